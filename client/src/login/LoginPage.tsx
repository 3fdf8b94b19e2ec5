import type { PublicUser } from '@copydesk/shared';
import { type FormEvent, useState } from 'react';
import { login } from '../api/endpoints';
import { ApiError, errorMessage } from '../api/http';

interface LoginPageProps {
  onSignedIn: (user: PublicUser) => void;
}

export function LoginPage({ onSignedIn }: LoginPageProps) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const { user } = await login({ username: username.trim(), password });
      onSignedIn(user);
    } catch (caught) {
      setError(
        caught instanceof ApiError && caught.status === 401
          ? 'Wrong username or password.'
          : errorMessage(caught),
      );
      setBusy(false);
    }
  };

  return (
    <main className="login">
      <form className="login-card" onSubmit={submit} aria-labelledby="login-title" noValidate>
        <h1 id="login-title" className="login-title">
          Copydesk
        </h1>
        <p className="login-subtitle">Sign in to the desk</p>
        <label className="field-label" htmlFor="login-username">
          Username
        </label>
        <input
          id="login-username"
          className="input"
          data-testid="login-username"
          autoComplete="username"
          // biome-ignore lint/a11y/noAutofocus: signing in is the only thing to do on this page
          autoFocus
          autoCapitalize="none"
          spellCheck={false}
          required
          value={username}
          onChange={(e) => setUsername(e.target.value)}
        />
        <label className="field-label" htmlFor="login-password">
          Password
        </label>
        <input
          id="login-password"
          className="input"
          data-testid="login-password"
          type="password"
          autoComplete="current-password"
          required
          value={password}
          onChange={(e) => setPassword(e.target.value)}
        />
        {error ? (
          <p className="form-error" role="alert" data-testid="login-error">
            {error}
          </p>
        ) : null}
        <button
          type="submit"
          className="button button-primary login-submit"
          data-testid="login-submit"
          disabled={busy || !username.trim() || !password}
        >
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
        <p className="login-hint">
          Demo accounts: <b>ana</b>, <b>ben</b> (editors), <b>carla</b> (chief), <b>vic</b> (viewer)
          — password <b>copydesk</b>
        </p>
      </form>
    </main>
  );
}
