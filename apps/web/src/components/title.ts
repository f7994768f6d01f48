import { useEffect } from 'preact/hooks';

/** Sets the document's title ("<what> · FactoryCI"), so history and tabs say which page is which. */
export function useTitle(what: string | null): void {
  useEffect(() => {
    document.title = what ? `${what} · FactoryCI` : 'FactoryCI';
  }, [what]);
}
