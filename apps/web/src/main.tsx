import { render } from 'preact';
import { App } from './app';
import { escapeClosesDialogs } from './components/escape-closes-dialogs';
import './styles.css';

escapeClosesDialogs();
render(<App />, document.getElementById('app')!);
