import { useTitle } from '../components/title';

export function RunPage() {
  useTitle('RunPage');
  return <section class="page-pad">RunPage</section>;
}
