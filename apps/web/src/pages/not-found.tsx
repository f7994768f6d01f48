import { useTitle } from '../components/title';

export function NotFoundPage() {
  useTitle('Not found');
  return (
    <section class="page-pad empty">
      <h1>Nothing here</h1>
      <p>This page does not exist, or you may not see it. <a href="/">Go to your projects</a>.</p>
    </section>
  );
}
