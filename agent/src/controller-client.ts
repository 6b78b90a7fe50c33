/**
 * The agent's side of the gRPC contract (proto/gantry/agent/v1/agent.proto):
 * promise wrappers for every RPC, each with a deadline and the registration
 * token as `authorization: Bearer <token>`. With work-channel.ts, the only
 * module importing @grpc. ClaimJob and FinishJob, which every job makes, and
 * ReportSteps go over a Work call where the controller has one
 * (work-channel.ts). Failures
 * surface as ControllerCallError carrying the gRPC status name, so callers
 * branch on `code` without importing gRPC.
 */

import {
  type AgentServiceClient,
  type ArtifactDownload__Output,
  type ArtifactFile,
  type ArtifactUpload__Output,
  AUTHORIZATION_METADATA_KEY,
  agentServiceClientConstructor,
  type CacheReport,
  type ClaimJobRequest,
  type ClaimJobResponse__Output,
  type CommitArtifactsRequest,
  type CommitArtifactsResponse__Output,
  type CommitCacheRequest,
  type CommitCacheResponse__Output,
  type ControllerEvent__Output,
  type CreateArtifactUploadsRequest,
  type CreateArtifactUploadsResponse__Output,
  type CreateCacheUploadRequest,
  type CreateCacheUploadResponse__Output,
  DATABASE_UNAVAILABLE_DETAIL,
  type EnrolRequest,
  type EnrolResponse__Output,
  type FinishJobRequest,
  type FinishJobResponse__Output,
  type GetArtifactDownloadsRequest,
  type GetArtifactDownloadsResponse__Output,
  type GetCacheDownloadRequest,
  type GetCacheDownloadResponse__Output,
  type HeartbeatResponse__Output,
  type Lease__Output,
  type LogChunk,
  MAX_MESSAGE_BYTES,
  type RegisterRequest,
  type RegisterResponse__Output,
  type ReportCachesRequest,
  type ReportCachesResponse__Output,
  type ReportStepsRequest,
  type ReportStepsResponse__Output,
  type WorkRequest,
} from '@gantry/proto';
import * as grpc from '@grpc/grpc-js';
import { ControllerTargets } from './controller-targets.js';
import type { LogChunkSender, OutgoingLogChunk } from './logs/log-streamer.js';
import { WorkChannel, type WorkFailure, type WorkKind } from './work-channel.js';

export type Lease = Lease__Output;
export type StatusName = keyof typeof grpc.status;

/** A failed controller call; `code` is the gRPC status name ("UNAVAILABLE", "FAILED_PRECONDITION", …). */
export class ControllerCallError extends Error {
  override name = 'ControllerCallError';
  readonly code: StatusName;
  readonly method: string;

  constructor(method: string, code: StatusName, details: string, options?: { cause?: unknown }) {
    super(`${method}: ${code}${details ? `: ${details}` : ''}`, options);
    this.method = method;
    this.code = code;
  }
}

/**
 * How a Connect stream ends when its replica sent nothing for too long (see
 * openConnectStream): UNAVAILABLE, as a lost connection.
 */
export class ControllerSilenceError extends ControllerCallError {
  override name = 'ControllerSilenceError';

  constructor(silenceMs: number) {
    super('Connect', 'UNAVAILABLE', `the controller sent nothing for ${silenceMs} ms`);
  }
}

/**
 * True when the controller could not be reached or answered in time: worth
 * retrying. Not RESOURCE_EXHAUSTED (a message over MAX_MESSAGE_BYTES, which
 * no retry makes smaller) nor INVALID_ARGUMENT: those are refusals, and the
 * attempt fails with them.
 */
export function isTransientCallError(error: unknown): boolean {
  return (
    error instanceof ControllerCallError &&
    ['UNAVAILABLE', 'DEADLINE_EXCEEDED', 'CANCELLED', 'ABORTED', 'INTERNAL', 'UNKNOWN'].includes(error.code)
  );
}

/** True when the controller refused a call as invalid or too large: no retry will change its answer. */
export function isRefusedCallError(error: unknown): boolean {
  return (
    error instanceof ControllerCallError &&
    ['RESOURCE_EXHAUSTED', 'INVALID_ARGUMENT', 'OUT_OF_RANGE'].includes(error.code)
  );
}

/**
 * True when the controller answered but its database is away (restarting,
 * failing over): no replica can reap a lease meanwhile, and each reaper stays
 * disarmed for a lease TTL after the database returns.
 */
export function isDatabaseUnavailableError(error: unknown): boolean {
  return (
    error instanceof ControllerCallError &&
    error.code === 'UNAVAILABLE' &&
    error.message.endsWith(`: ${DATABASE_UNAVAILABLE_DETAIL}`)
  );
}

/**
 * True when the controller refused a lease as stale (the attempt belongs to
 * someone else now) or refused this agent the call (PERMISSION_DENIED: the
 * agent was revoked, its attempts fenced): either way the job must stop.
 */
export function isStaleLeaseError(error: unknown): boolean {
  return (
    error instanceof ControllerCallError && (error.code === 'FAILED_PRECONDITION' || error.code === 'PERMISSION_DENIED')
  );
}

export interface ControllerClient {
  /** Enrols with `enrolmentToken` (this call alone carries it) and returns the agent's credential. */
  enrol(request: EnrolRequest, enrolmentToken: string): Promise<EnrolResponse__Output>;
  /** Every later call carries `credential` (the agent's own, from Enrol). */
  useCredential(credential: string): void;
  register(request: RegisterRequest): Promise<RegisterResponse__Output>;
  /** `claimId`: this claim's UUID, repeated when the claim is retried (see ClaimJobRequest.claim_id). */
  claimJob(agentId: string, jobId: string, attempt: number, claimId?: string): Promise<ClaimJobResponse__Output>;
  heartbeat(lease: Lease, timeoutMs?: number): Promise<HeartbeatResponse__Output>;
  reportSteps(request: ReportStepsRequest): Promise<void>;
  finishJob(request: FinishJobRequest): Promise<void>;
  /** Presigned PUT URLs for the attempt's files, parallel to `paths` (at most 1000). */
  createArtifactUploads(lease: Lease, paths: string[]): Promise<ArtifactUpload__Output[]>;
  /**
   * Makes the uploaded files visible; returns how many the attempt has and,
   * for each path of `junitReports` (JUnit reports among `files`), the
   * controller's note on reading it, for the job log.
   */
  commitArtifacts(
    lease: Lease,
    files: ArtifactFile[],
    junitReports?: string[],
  ): Promise<{ committed: number; reportNotes: string[] }>;
  /** The files the job's needs_artifacts names, with presigned GET URLs. */
  getArtifactDownloads(lease: Lease): Promise<ArtifactDownload__Output[]>;
  /** The cache to restore for `keys` (exact key, then fallback prefixes); found=false when none. */
  getCacheDownload(lease: Lease, keys: string[]): Promise<GetCacheDownloadResponse__Output>;
  /** A presigned PUT URL for a new archive of `key` in the attempt's write scope. */
  createCacheUpload(lease: Lease, key: string): Promise<CreateCacheUploadResponse__Output>;
  /** Records an uploaded archive as the cache of its key. */
  commitCache(request: Omit<CommitCacheRequest, 'lease'> & { lease: Lease }): Promise<void>;
  /** What restoring and saving the attempt's caches did. */
  reportCaches(lease: Lease, caches: CacheReport[]): Promise<void>;
  /** Opens one StreamLogs call for an attempt (no deadline: it lives as long as the job). */
  openLogStream(lease: Lease): LogChunkSender;
  /**
   * Opens the agent's Connect stream (no deadline; waits for the channel to be
   * ready instead of failing while the controller is down). `onEvent` sees each
   * controller event; `onEnd` is called exactly once when the stream is over:
   * with undefined when the controller ended it cleanly, else with the error
   * (CANCELLED after close()).
   */
  connect(agentId: string, listener: ConnectListener): ConnectStream;
  /** Closes the channel; pending calls fail with CANCELLED. */
  close(): void;
}

export interface ConnectListener {
  onEvent(kind: string): void;
  onEnd(error: ControllerCallError | undefined): void;
  /**
   * Given: a stream the controller lets go silent (no "alive" for 2.5 of its
   * intervals) is ended UNAVAILABLE, then this is called. Not given: silence
   * is not watched.
   */
  onSilence?(): void;
}

/** One open Connect call. */
export interface ConnectStream {
  /** Cancels the call; onEnd follows with CANCELLED. Idempotent. */
  close(): void;
}

export interface ControllerClientOptions {
  /** `host:port` of each controller replica's gRPC server, in the order to try them. */
  addresses: readonly string[];
  /** The agent's credential every call carries (until useCredential); '' before enrolment. */
  token: string;
  /** PEM CA certificates that sign the controller's certificate: the calls go over TLS. Absent: plaintext. */
  ca?: Buffer | undefined;
  callTimeoutMs?: number;
  /** Told when a failed call moved the agent to another replica. */
  onSwitch?: (from: string, to: string, reason: string) => void;
}

/** Failures that say the replica (not the request) is the problem: the next call goes to another one. */
const unreachableCodes: ReadonlySet<StatusName> = new Set(['UNAVAILABLE', 'DEADLINE_EXCEEDED']);

/**
 * One channel per replica; every call goes to the current one (ControllerTargets).
 * A call failing with UNAVAILABLE or DEADLINE_EXCEEDED moves the next calls to the
 * next replica; callers retry transient failures as before, so a replica's crash
 * costs a retry. A name that resolves to several addresses is one target: gRPC's
 * resolver tries its addresses in order (pick_first).
 */
export function createControllerClient(options: ControllerClientOptions): ControllerClient {
  const targets = new ControllerTargets(options.addresses, options.onSwitch);
  const credentials = options.ca ? grpc.credentials.createSsl(options.ca) : grpc.credentials.createInsecure();
  const clients = options.addresses.map((address) => newServiceClient(address, credentials));
  const newWork = (client: AgentServiceClient) =>
    new WorkChannel(
      client,
      () => metadata(),
      () => credential,
    );
  /** Per replica: aborted when its Connect stream went silent (frozen), which cancels the calls still open on it. */
  const silences = clients.map(() => new AbortController());
  /**
   * The current replica's client and Work channel, a callback for the call's
   * outcome, and the signal of the replica going silent.
   */
  const pick = () => {
    const index = targets.current;
    return {
      client: clients[index] as AgentServiceClient,
      work: works[index] as WorkChannel,
      failed: (error: ControllerCallError) => {
        if (unreachableCodes.has(error.code)) targets.unreachable(index, error.code);
      },
      silenced: (silences[index] as AbortController).signal,
      /**
       * A frozen replica answers nothing: the calls open on it fail CANCELLED
       * now (callers retry such failures, on the replica now current) instead
       * of at their deadline or when keepalive gives the connection up. Its
       * channel is replaced: the next call to this address opens a new
       * connection, which a TCP load balancer may take to a live replica,
       * where the old one would wait on the frozen one. (A balancer that
       * routes each gRPC call rather than each connection already sends new
       * calls elsewhere. For a name with several addresses, grpc-js uses a
       * connection only once the server's HTTP/2 settings arrived, and tries
       * the next address meanwhile, so a frozen one is passed over.)
       */
      silent: () => {
        const silence = silences[index] as AbortController;
        silences[index] = new AbortController();
        silence.abort();
        works[index]?.close();
        clients[index]?.close();
        const fresh = newServiceClient(options.addresses[index] as string, credentials);
        clients[index] = fresh;
        works[index] = newWork(fresh);
      },
    };
  };
  const defaultTimeoutMs = options.callTimeoutMs ?? 10_000;
  let credential = options.token;
  const metadata = (secret = credential) => {
    const m = new grpc.Metadata();
    m.set(AUTHORIZATION_METADATA_KEY, `Bearer ${secret}`);
    return m;
  };
  const works = clients.map(newWork);

  function unary<Req, Res>(
    method: string,
    invoke: (
      client: AgentServiceClient,
    ) => (
      req: Req,
      md: grpc.Metadata,
      opts: grpc.CallOptions,
      cb: (err: grpc.ServiceError | null, res?: Res) => void,
    ) => unknown,
    request: Req,
    timeoutMs = defaultTimeoutMs,
    secret = credential,
  ): Promise<Res> {
    const { client, failed, silenced } = pick();
    return new Promise((resolve, reject) => {
      const cancel = () => (call as grpc.ClientUnaryCall).cancel();
      const call = invoke(client).call(
        client,
        request,
        metadata(secret),
        { deadline: Date.now() + timeoutMs },
        (err, res) => {
          silenced.removeEventListener('abort', cancel);
          if (err) {
            const error = toCallError(method, err);
            failed(error);
            reject(error);
          } else if (res === undefined) reject(new ControllerCallError(method, 'INTERNAL', 'empty response'));
          else resolve(res);
        },
      );
      silenced.addEventListener('abort', cancel, { once: true });
    });
  }

  /**
   * A ClaimJob, ReportSteps or FinishJob: a message on the replica's Work
   * call, or a unary call to a replica without Work (also for a request its
   * Work refused without carrying it out, see carriedOutNowhere()).
   */
  async function viaWork<K extends WorkKind, Req extends NonNullable<WorkRequest[K]>, Res>(
    method: string,
    kind: K,
    request: Req,
    invoke: Parameters<typeof unary<Req, Res>>[1],
  ): Promise<Res> {
    const { work, failed } = pick();
    if (work.supported) {
      try {
        return (await work.request(kind, request, defaultTimeoutMs)) as Res;
      } catch (failure) {
        const { code, details } = failure as WorkFailure;
        if (!carriedOutNowhere(kind, code)) {
          const error = toCallError(method, { code, details });
          failed(error);
          throw error;
        }
      }
    }
    return unary(method, invoke, request);
  }

  // One address: Connect waits for the channel (a restarting controller is taken at once);
  // several: it fails fast, so the agent moves on to a live replica.
  const waitForReady = options.addresses.length === 1;
  return {
    enrol: (request, enrolmentToken) => unary('Enrol', (c) => c.enrol, request, defaultTimeoutMs, enrolmentToken),
    useCredential: (next) => {
      credential = next;
    },
    register: (request) => unary('Register', (c) => c.register, request),
    claimJob: (agentId, jobId, attempt, claimId) =>
      viaWork<'claimJob', ClaimJobRequest, ClaimJobResponse__Output>(
        'ClaimJob',
        'claimJob',
        { agentId, jobId, attempt, ...(claimId ? { claimId } : {}) },
        (c) => c.claimJob,
      ),
    heartbeat: (lease, timeoutMs) => unary('Heartbeat', (c) => c.heartbeat, { lease }, timeoutMs),
    reportSteps: async (request) => {
      await viaWork<'reportSteps', ReportStepsRequest, ReportStepsResponse__Output>(
        'ReportSteps',
        'reportSteps',
        request,
        (c) => c.reportSteps,
      );
    },
    finishJob: async (request) => {
      await viaWork<'finishJob', FinishJobRequest, FinishJobResponse__Output>(
        'FinishJob',
        'finishJob',
        request,
        (c) => c.finishJob,
      );
    },
    createArtifactUploads: async (lease, paths) =>
      (
        await unary<CreateArtifactUploadsRequest, CreateArtifactUploadsResponse__Output>(
          'CreateArtifactUploads',
          (c) => c.createArtifactUploads,
          { lease, paths },
        )
      ).uploads,
    commitArtifacts: async (lease, files, junitReports = []) => {
      const response = await unary<CommitArtifactsRequest, CommitArtifactsResponse__Output>(
        'CommitArtifacts',
        (c) => c.commitArtifacts,
        { lease, files, junitReports },
      );
      return { committed: response.committed, reportNotes: response.reportNotes };
    },
    getArtifactDownloads: async (lease) =>
      (
        await unary<GetArtifactDownloadsRequest, GetArtifactDownloadsResponse__Output>(
          'GetArtifactDownloads',
          (c) => c.getArtifactDownloads,
          { lease },
        )
      ).downloads,
    getCacheDownload: (lease, keys) =>
      unary<GetCacheDownloadRequest, GetCacheDownloadResponse__Output>('GetCacheDownload', (c) => c.getCacheDownload, {
        lease,
        keys,
      }),
    createCacheUpload: (lease, key) =>
      unary<CreateCacheUploadRequest, CreateCacheUploadResponse__Output>(
        'CreateCacheUpload',
        (c) => c.createCacheUpload,
        { lease, key },
      ),
    commitCache: async (request) => {
      await unary<CommitCacheRequest, CommitCacheResponse__Output>('CommitCache', (c) => c.commitCache, request);
    },
    reportCaches: async (lease, caches) => {
      await unary<ReportCachesRequest, ReportCachesResponse__Output>('ReportCaches', (c) => c.reportCaches, {
        lease,
        caches,
      });
    },
    openLogStream: (lease) => {
      const { client, failed, silenced } = pick();
      return openLogStream(client, metadata(), lease, failed, silenced);
    },
    connect: (agentId, listener) => {
      const { client, failed, silent } = pick();
      return openConnectStream(client, metadata(), agentId, waitForReady, {
        onEvent: (kind) => listener.onEvent(kind),
        onEnd: (error) => {
          if (error) failed(error);
          listener.onEnd(error);
        },
        onSilence: silent,
      });
    },
    close: () => {
      // A closed channel lets its open calls run on (and keep the process alive): end the Work calls first.
      for (const work of works) work.close();
      for (const client of clients) client.close();
    },
  };
}

/**
 * Whether a Work request that failed with `code` was refused unread, so that
 * its unary call is the way to send it: UNIMPLEMENTED (a replica without
 * Work), or INVALID_ARGUMENT for ReportSteps (a replica whose Work predates
 * it reads an empty request). A ReportSteps the replica did read and refused
 * as invalid is refused again by the unary call, which changes nothing.
 */
function carriedOutNowhere(kind: WorkKind, code: grpc.status): boolean {
  return code === grpc.status.UNIMPLEMENTED || (kind === 'reportSteps' && code === grpc.status.INVALID_ARGUMENT);
}

function newServiceClient(address: string, credentials: grpc.ChannelCredentials): AgentServiceClient {
  const Client = agentServiceClientConstructor();
  return new Client(address, credentials, {
    // Its own connections: a channel made to replace one on a frozen replica must not reuse that one's.
    'grpc.use_local_subchannel_pool': 1,
    // Notice a dead controller connection within ~30 s even between jobs.
    'grpc.keepalive_time_ms': 20_000,
    'grpc.keepalive_timeout_ms': 10_000,
    'grpc.keepalive_permit_without_calls': 1,
    // Reconnect soon after a controller restart: the controller gives a vanished
    // agent only a short grace before it hands the agent's jobs to someone else.
    'grpc.initial_reconnect_backoff_ms': 100,
    'grpc.max_reconnect_backoff_ms': 2_000,
    // The controller's server sets the same: what one side sends, the other accepts.
    'grpc.max_receive_message_length': MAX_MESSAGE_BYTES,
    'grpc.max_send_message_length': MAX_MESSAGE_BYTES,
  }) as unknown as AgentServiceClient;
}

/** Silence on a Connect stream, in "alive" intervals, after which its replica is taken for frozen. */
const silentIntervals = 2.5;

/**
 * Once the controller said how often it sends "alive", a stream silent for
 * `silentIntervals` of them is given up (when the listener takes onSilence):
 * it ends UNAVAILABLE, which moves the agent's calls and its next Connect to
 * the next address, or, with one, to a new channel (see pick().silent). A
 * watchdog that fires late by half the silence or more measured a stall of
 * this process, not of the controller, and watches once more instead; one
 * that fires on time gives up only if nothing was read by the end of that
 * turn of the event loop (timers run before sockets are read).
 */
function openConnectStream(
  client: AgentServiceClient,
  md: grpc.Metadata,
  agentId: string,
  waitForReady: boolean,
  listener: ConnectListener,
): ConnectStream {
  // With waitForReady the call starts the moment the controller accepts connections again.
  md.setOptions({ waitForReady });
  const call = client.connect({ agentId }, md);
  let ended = false;
  let silenceMs = 0;
  /** Events received so far. */
  let heard = 0;
  /** close() was called: the call ends CANCELLED, never by the watchdog. */
  let closed = false;
  let watchdog: NodeJS.Timeout | undefined;
  const finish = (error: ControllerCallError | undefined) => {
    if (ended) return;
    ended = true;
    clearTimeout(watchdog);
    listener.onEnd(error);
  };
  const watch = () => {
    clearTimeout(watchdog);
    const dueAt = performance.now() + silenceMs;
    watchdog = setTimeout(() => {
      // Late by half the silence or more: this process stalled (a long synchronous task, a starved
      // host), and what the controller sent meanwhile may wait unread. Watch one more whole silence.
      if (performance.now() - dueAt >= silenceMs / 2) return watch();
      // Timers run before sockets are read: decide once this turn of the event loop has read them.
      const heardBefore = heard;
      setImmediate(() => {
        if (ended || closed || heard !== heardBefore) return;
        call.cancel();
        finish(new ControllerSilenceError(silenceMs));
        listener.onSilence?.();
      });
    }, silenceMs);
    watchdog.unref();
  };
  call.on('data', (event: ControllerEvent__Output) => {
    if (ended) return;
    heard++;
    if (event.kind === 'connected' && event.aliveIntervalMs > 0 && listener.onSilence) {
      silenceMs = event.aliveIntervalMs * silentIntervals;
    }
    if (silenceMs > 0) watch();
    listener.onEvent(event.kind);
  });
  call.on('error', () => {}); // reported through 'status' below
  // 'status' comes exactly once, however the call ends (grpc-js ClientReadableStream).
  call.on('status', (status: grpc.StatusObject) => {
    finish(status.code === grpc.status.OK ? undefined : toCallError('Connect', status));
  });
  return {
    close: () => {
      closed = true;
      clearTimeout(watchdog);
      call.cancel();
    },
  };
}

/** `silenced`: the replica went silent; the call is cancelled unless it already ended (see pick()). */
function openLogStream(
  client: AgentServiceClient,
  md: grpc.Metadata,
  lease: Lease,
  failed: (error: ControllerCallError) => void,
  silenced: AbortSignal,
): LogChunkSender {
  let failure: ControllerCallError | undefined;
  const failureListeners: Array<(error: unknown) => void> = [];
  const drainWaiters: Array<{ resolve: () => void; reject: (e: unknown) => void }> = [];
  let call: grpc.ClientWritableStream<LogChunk> | undefined;
  const result = new Promise<number>((resolve, reject) => {
    call = client.streamLogs(md, (err, res) => {
      if (err) {
        failure = toCallError('StreamLogs', err);
        failed(failure);
        for (const w of drainWaiters.splice(0)) w.reject(failure);
        for (const notify of failureListeners.splice(0)) notify(failure);
        reject(failure);
      } else {
        resolve(Number(res?.storedSeq ?? -1));
      }
    });
  });
  result.catch(() => {}); // observed through waitDrain()/finish()
  const stream = call as grpc.ClientWritableStream<LogChunk>;
  const cancel = () => stream.cancel();
  silenced.addEventListener('abort', cancel, { once: true });
  void result.then(
    () => silenced.removeEventListener('abort', cancel),
    () => silenced.removeEventListener('abort', cancel),
  );
  stream.on('error', () => {}); // reported through the callback above
  stream.on('drain', () => {
    for (const w of drainWaiters.splice(0)) w.resolve();
  });
  let ended = false;

  return {
    send: (chunk: OutgoingLogChunk) =>
      failure || ended
        ? false
        : stream.write({
            lease,
            seq: chunk.seq,
            offset: chunk.offset,
            data: chunk.data,
            stepIndex: chunk.stepIndex,
            plainBytes: chunk.plainBytes ?? 0,
          }),
    waitDrain: () =>
      failure
        ? Promise.reject(failure)
        : new Promise<void>((resolve, reject) => drainWaiters.push({ resolve, reject })),
    finish: () => {
      if (!ended) {
        ended = true;
        stream.end();
      }
      return result;
    },
    abort: () => {
      ended = true;
      stream.cancel();
    },
    onFailure: (notify) => {
      if (failure) notify(failure);
      else failureListeners.push(notify);
    },
  };
}

function toCallError(method: string, err: Pick<grpc.ServiceError, 'code' | 'details'>): ControllerCallError {
  const code = (grpc.status[err.code] ?? 'UNKNOWN') as StatusName;
  return new ControllerCallError(method, code, err.details, { cause: err });
}
