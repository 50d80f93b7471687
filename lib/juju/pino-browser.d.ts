/** pino's browser build has pino's API; its package ships types for the Node entry point only. */
declare module "pino/browser" {
  import pino from "pino";
  export default pino;
}
