/** The dashboard shell: hash routes, the top bar, the token field. */
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { token } from './api.js';
import './styles.css';
import { CandidateView } from './views/candidate-view.js';
import { RunView } from './views/run-view.js';
import { RunsList } from './views/runs-list.js';
import { TrainingsView } from './views/trainings-view.js';
import { WorkersView } from './views/workers-view.js';

function useHash(): string {
  const [hash, setHash] = useState(location.hash);
  useEffect(() => {
    const on = () => setHash(location.hash);
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  return hash;
}

function TokenField() {
  const [value, setValue] = useState(token.get());
  const [editing, setEditing] = useState(false);
  if (!editing) {
    return (
      <button class="btn small ghost" onClick={() => setEditing(true)} title="start, stop and resume need the dashboard token">
        {value ? 'Token set' : 'Set token'}
      </button>
    );
  }
  return (
    <form
      class="token"
      onSubmit={(e) => {
        e.preventDefault();
        token.set(value.trim());
        setEditing(false);
      }}
    >
      <input
        type="password"
        placeholder="dashboard token"
        value={value}
        onInput={(e) => setValue((e.target as HTMLInputElement).value)}
        aria-label="dashboard token"
        autoFocus
      />
      <button class="btn small" type="submit">
        Save
      </button>
    </form>
  );
}

function Page({ hash }: { hash: string }) {
  const parts = hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
  if (parts[0] === 'workers') return <WorkersView />;
  if (parts[0] === 'trainings') return <TrainingsView />;
  if (parts[0] === 'runs' && parts[1]) {
    if (parts[2] === 'c' && parts[3]) return <CandidateView runId={parts[1]} hash={parts[3]} />;
    return <RunView key={parts[1]} runId={parts[1]} tab={parts[2] ?? ''} />;
  }
  return <RunsList />;
}

function App() {
  const hash = useHash();
  const section = hash.startsWith('#/workers') ? 'workers' : hash.startsWith('#/trainings') ? 'trainings' : 'runs';
  return (
    <>
      <header class="topbar">
        <a href="#/" class="brand">
          block<b>qnn</b>
        </a>
        <nav>
          <a href="#/" class={section === 'runs' ? 'active' : ''}>
            Runs
          </a>
          <a href="#/workers" class={section === 'workers' ? 'active' : ''}>
            Workers
          </a>
          <a href="#/trainings" class={section === 'trainings' ? 'active' : ''}>
            Trainings
          </a>
        </nav>
        <div class="spacer" />
        <TokenField />
      </header>
      <main>
        <Page hash={hash} />
      </main>
    </>
  );
}

const root = document.getElementById('app')!;
root.textContent = '';
render(<App />, root);
