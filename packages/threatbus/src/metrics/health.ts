/**
 * Readiness for `/readyz`: a plugin is ready once it has started and every
 * peer it declared is up. The answer names, per plugin, what it waits for,
 * e.g. `{"misp": "zmq connected", "rabbitmq": "amqp: reconnecting since 12 s"}`.
 */

interface PeerState {
  up: boolean;
  detail?: string;
  /** When the peer last changed state (ms since epoch). */
  since: number;
}

interface PluginState {
  started: boolean;
  peers: Map<string, PeerState>;
}

export interface Readiness {
  ready: boolean;
  plugins: Record<string, string>;
}

export class HealthTracker {
  private readonly plugins = new Map<string, PluginState>();

  constructor(private readonly now: () => number = Date.now) {}

  /** A plugin the bus is going to start; not ready until `started`. */
  register(plugin: string): void {
    if (!this.plugins.has(plugin)) this.plugins.set(plugin, { started: false, peers: new Map() });
  }

  started(plugin: string, started = true): void {
    this.register(plugin);
    this.plugins.get(plugin)!.started = started;
  }

  peer(plugin: string, peer: string, up: boolean, detail?: string): void {
    this.register(plugin);
    const peers = this.plugins.get(plugin)!.peers;
    const previous = peers.get(peer);
    if (previous && previous.up === up) {
      previous.detail = detail;
      return;
    }
    peers.set(peer, { up, detail, since: this.now() });
  }

  remove(plugin: string): void {
    this.plugins.delete(plugin);
  }

  readiness(): Readiness {
    const plugins: Record<string, string> = {};
    let ready = true;
    for (const [name, state] of this.plugins) {
      if (!state.started) {
        ready = false;
        plugins[name] = 'starting';
        continue;
      }
      const waiting: string[] = [];
      const connected: string[] = [];
      for (const [peer, s] of state.peers) {
        if (s.up) connected.push(peer);
        else {
          const seconds = Math.max(0, Math.round((this.now() - s.since) / 1000));
          waiting.push(`${peer}: ${s.detail ?? 'down'} since ${seconds} s`);
        }
      }
      if (waiting.length > 0) {
        ready = false;
        plugins[name] = waiting.join('; ');
      } else {
        plugins[name] = connected.length > 0 ? `${connected.join(', ')} connected` : 'running';
      }
    }
    return { ready, plugins };
  }
}
