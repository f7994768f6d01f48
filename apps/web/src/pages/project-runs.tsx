import { useTitle } from '../components/title';

export function ProjectRunsPage() {
  useTitle('ProjectRunsPage');
  return <section class="page-pad">ProjectRunsPage</section>;
}
