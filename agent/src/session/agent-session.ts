/**
 * The agent's standing with the controller (protocol steps 1–2): its agent id,
 * registering again when the controller has forgotten it, and the one Connect
 * stream held open for the agent's whole life, whose end tells the controller
 * at once that the agent is gone. When the stream ends or fails it is reopened
 * at once, then with a short jittered backoff (up to 100 ms, doubling to 2 s), for as long as
 * the agent runs; NOT_FOUND / UNAUTHENTICATED first registers again. A stream
 * given up because its replica went silent is reopened after a random delay
 * instead (up to `silenceJitterMs`, 500 ms): every agent of a replica that froze hears
 * its silence at the same moment, and they should not all reconnect at once.
 */
import { backoffDelayMs } from '@gantry/common';
import type { Logger } from 'pino';
import {
  type ConnectStream,
  type ControllerCallError,
  type ControllerClient,
  ControllerSilenceError,
} from '../controller-client.js';
import { type AgentCredentials, type AgentIdentity, registerAgent } from '../registration.js';
import { sleep } from '../sleep.js';

export interface AgentSessionOptions {
  controller: ControllerClient;
  identity: AgentIdentity;
  credentials: AgentCredentials;
  logger: Logger;
  /** The id the first Register returned. */
  agentId: string;
  /** Called when a re-registration returned a different id (e.g. to resubscribe to control messages). */
  onAgentIdChanged?: (agentId: string, previousAgentId: string) => void;
  /** First backoff delay after an immediate reconnect failed. Default 100 ms. */
  minReconnectDelayMs?: number;
  /** Backoff cap. Default 2 s. */
  maxReconnectDelayMs?: number;
  /**
   * The first reconnect after the replica went silent waits a random share
   * of this. Default 500 ms: within what the controllers allow an agent
   * between two sessions before its jobs count as lost, both when nothing
   * recorded its going (its last sign of life plus 5 s and the reconnect
   * grace; silence is noticed 2.5 s in) and when the silent replica did
   * record it (GANTRY_RECONNECT_GRACE_MS alone, 2 s by default).
   */
  silenceJitterMs?: number;
  /** That random share, in [0, 1). Default Math.random. */
  random?: () => number;
}

/** A stream that stayed up this long counts as healthy: the next reconnect is immediate again. */
const healthyStreamMs = 1000;

export class AgentSession {
  readonly #options: AgentSessionOptions;
  readonly #closing = new AbortController();
  #agentId: string;
  #stream: ConnectStream | undefined;
  #loop: Promise<void> | undefined;
  #reRegistration: Promise<void> | undefined;
  #connected = false;
  #everConnected = false;

  constructor(options: AgentSessionOptions) {
    this.#options = options;
    this.#agentId = options.agentId;
  }

  get agentId(): string {
    return this.#agentId;
  }

  /** True while a Connect stream is open and the controller has said "connected". */
  get connected(): boolean {
    return this.#connected;
  }

  /** Opens the Connect stream and keeps it open until close(). Call once. */
  start(): void {
    this.#loop ??= this.#hold();
  }

  /**
   * Registers again because the controller answered `error` (NOT_FOUND or
   * UNAUTHENTICATED for this agent). Concurrent callers share one attempt;
   * never rejects (a refusal is logged). Aborted by close().
   */
  reRegister(error: ControllerCallError): Promise<void> {
    this.#reRegistration ??= this.#register(error).finally(() => {
      this.#reRegistration = undefined;
    });
    return this.#reRegistration;
  }

  /**
   * Closes the Connect stream for good, which tells the controller the agent
   * has left; call it only once running jobs have reported. Idempotent.
   */
  async close(): Promise<void> {
    this.#closing.abort(new Error('agent session closed'));
    this.#stream?.close();
    await this.#loop;
    await this.#reRegistration;
  }

  async #hold(): Promise<void> {
    const {
      logger,
      minReconnectDelayMs = 100,
      maxReconnectDelayMs = 2000,
      silenceJitterMs = 500,
      random = Math.random,
    } = this.#options;
    const signal = this.#closing.signal;
    let failures = 0;
    let lastCode: string | undefined;
    while (!signal.aborted) {
      const { error, connectedForMs } = await this.#openStream();
      if (signal.aborted) break;
      if (connectedForMs >= healthyStreamMs) failures = 0;
      if (connectedForMs >= 0) lastCode = undefined;
      const code = error?.code ?? 'ENDED';
      if (error && (error.code === 'NOT_FOUND' || error.code === 'UNAUTHENTICATED')) {
        await this.reRegister(error);
        failures = 0;
      }
      const firstDelayMs = error instanceof ControllerSilenceError ? Math.floor(random() * silenceJitterMs) : 0;
      const delayMs =
        failures === 0
          ? firstDelayMs
          : backoffDelayMs(failures, { initialDelayMs: minReconnectDelayMs, maxDelayMs: maxReconnectDelayMs });
      failures++;
      // The same failure again and again (e.g. an older controller without Connect) is logged once.
      const level = code === lastCode ? 'debug' : 'warn';
      logger[level](
        { agentId: this.#agentId, code, delayMs, err: error?.message },
        'controller session lost, reconnecting',
      );
      lastCode = code;
      await sleep(delayMs, signal).catch(() => {});
    }
    this.#connected = false;
  }

  /** Holds one Connect stream until it ends; `connectedForMs` is -1 when it never got "connected". */
  #openStream(): Promise<{ error: ControllerCallError | undefined; connectedForMs: number }> {
    const { controller, logger } = this.#options;
    return new Promise((resolve) => {
      let connectedAt: number | undefined;
      const agentId = this.#agentId;
      this.#stream = controller.connect(agentId, {
        onEvent: (kind) => {
          if (kind !== 'connected' || connectedAt !== undefined) return;
          connectedAt = Date.now();
          this.#connected = true;
          logger.info({ agentId }, this.#everConnected ? 'controller session restored' : 'controller session open');
          this.#everConnected = true;
        },
        onEnd: (error) => {
          this.#stream = undefined;
          this.#connected = false;
          resolve({ error, connectedForMs: connectedAt === undefined ? -1 : Date.now() - connectedAt });
        },
      });
      // close() may have run while the previous stream was being replaced.
      if (this.#closing.signal.aborted) this.#stream.close();
    });
  }

  async #register(error: ControllerCallError): Promise<void> {
    const { controller, identity, credentials, logger, onAgentIdChanged } = this.#options;
    try {
      const again = await registerAgent(controller, identity, credentials, logger, this.#closing.signal);
      const previousAgentId = this.#agentId;
      logger.warn({ agentId: again.agentId, previousAgentId, err: error.message }, 'agent registered again');
      if (again.agentId !== previousAgentId) {
        this.#agentId = again.agentId;
        onAgentIdChanged?.(again.agentId, previousAgentId);
      }
    } catch (err) {
      if (!this.#closing.signal.aborted) logger.error({ err: (err as Error).message }, 'cannot register again');
    }
  }
}
