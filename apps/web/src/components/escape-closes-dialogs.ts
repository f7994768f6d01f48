/**
 * Escape closes the topmost open dialog, everywhere in the UI. Modal dialogs (showModal) do so by themselves (their
 * `cancel` event); this covers those opened with show() or the `open` attribute, telling them through `cancel` too.
 */
export function escapeClosesDialogs(root: Document = document): () => void {
  const onKey = (event: KeyboardEvent) => {
    if (event.key !== 'Escape' || event.defaultPrevented) return;
    const open = [...root.querySelectorAll<HTMLDialogElement>('dialog[open]')].filter((dialog) => !dialog.matches(':modal')).pop();
    if (!open) return;
    event.preventDefault();
    if (open.dispatchEvent(new Event('cancel', { cancelable: true }))) open.close();
  };
  root.addEventListener('keydown', onKey);
  return () => root.removeEventListener('keydown', onKey);
}
