import { Component, type ReactNode } from 'react';
import { ErrorState } from '../common/States';

interface Props {
  children: ReactNode;
}

interface State {
  failed: boolean;
}

/** Catches render failures, e.g. the editor bundle failing to download on a flaky network. */
export class ErrorBoundary extends Component<Props, State> {
  override state: State = { failed: false };

  static getDerivedStateFromError(): State {
    return { failed: true };
  }

  override render() {
    if (!this.state.failed) return this.props.children;
    return (
      <ErrorState
        message="This screen could not be loaded. Check your connection and try again."
        onRetry={() => window.location.reload()}
      />
    );
  }
}
