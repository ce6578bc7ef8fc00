export { startAzureEmulator, type AzureEmulator, type AzureEmulatorOptions } from './server.js';
