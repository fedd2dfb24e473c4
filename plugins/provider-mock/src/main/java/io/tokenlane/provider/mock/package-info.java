/**
 * The mock provider plugin: a deterministic, simulated LLM for demos, tests and benchmarks. Only
 * {@link io.tokenlane.provider.mock.MockProviderFactory} is public; the gateway finds it with
 * {@link java.util.ServiceLoader}.
 */
package io.tokenlane.provider.mock;
