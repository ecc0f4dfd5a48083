// The environment model: its types and errors. The concrete environments are
// their own registry (config/environments), so that code which only reads a
// config does not depend on every environment there is.
export * from './types';
export { CheckFailure, UserError } from './errors';
