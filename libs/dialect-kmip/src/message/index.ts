export { serveMessage, type Caller, type ServeOptions } from './serve';
export { SUPPORTED_VERSIONS, responseVersion, isSupported } from './versions';
export { refusalMessage } from './response';
export { refusalOf } from './result-reason';
