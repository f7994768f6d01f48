import { useTitle } from '../components/title';

export function ProjectSettingsPage() {
  useTitle('ProjectSettingsPage');
  return <section class="page-pad">ProjectSettingsPage</section>;
}
