/** Removing one listed thing: asked first (a danger confirmation), then deleted and the list loaded again, told by a save state. */
import { useConfirm, type ConfirmQuestion } from '../../components/confirm-dialog';
import type { SaveState } from './use-save';

export function useConfirmedRemoval<F extends string>(state: SaveState<F>, reload: () => Promise<void>) {
  const { confirm, dialog } = useConfirm();
  /** `done`: the note once removed. */
  const remove = async (question: Omit<ConfirmQuestion, 'danger'>, deletion: () => Promise<unknown>, done: string): Promise<void> => {
    if (!(await confirm({ ...question, danger: true }))) return;
    await state.run(async () => {
      await deletion();
      await reload();
      return done;
    });
  };
  return { remove, dialog };
}
