export {
  NatsServerNotFoundError,
  type NatsServerOptions,
  type NatsServerProcess,
  NatsServerStartError,
  startNatsServer,
} from './nats-server.js';
