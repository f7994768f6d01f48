import { describe, expect, it } from 'vitest';
import { downloadName } from './download-name';

describe('downloadName', () => {
  it('takes the API\'s file name, else one made from the execution\'s name', () => {
    expect(downloadName('attachment; filename="12-build-test-unit.log"', 'x')).toBe('12-build-test-unit.log');
    expect(downloadName(null, 'unit tests')).toBe('unit_tests.log');
    expect(downloadName('attachment; filename="../etc"', 'unit')).toBe('unit.log');
  });
});
