/** @gantry/web: the web page the controller serves beside its API. */
export { createWebApp, type WebDeps } from './web-app.js';
