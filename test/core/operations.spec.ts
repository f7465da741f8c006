import { operationsCases } from './operations.cases';

/** The canonical operations on the software engine, which holds every spec. */
operationsCases({ backend: 'soft', env: () => ({}), holds: () => true, subkeys: 'computed' });
