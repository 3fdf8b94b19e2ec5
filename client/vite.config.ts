import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// During `vite` dev the API, the Yjs sync socket and health checks live on the real server.
const server = 'http://127.0.0.1:3000';

export default defineConfig({
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: true,
  },
  server: {
    proxy: {
      '/api': { target: server, changeOrigin: false },
      '/yjs': { target: server, ws: true },
      '/socket.io': { target: server, ws: true },
      '/healthz': { target: server },
    },
  },
});
