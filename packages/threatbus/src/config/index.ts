export { loadRawConfig, parseConfigYaml, findConfigFile, DEFAULT_CONFIG_NAMES } from './load';
export type { RawConfig, LoadOptions } from './load';
export { ConfigError, formatProblem, validateAgainst } from './validate';
export type { ConfigProblem } from './validate';
export { applyEnvOverrides, parseEnvValue, environmentWithDotenv, ENV_PREFIX } from './env';
export { maskSecrets, isSecretKey, MASK } from './mask';
export { coreConfigSchema, loggingConfigSchema, metricsEndpointSchema } from './schema';
