export { createKmipServer, type KmipServerOptions, type KmipServer } from './listener';
export { DEFAULT_CONNECTION_LIMITS, type ConnectionLimits } from './limits';
