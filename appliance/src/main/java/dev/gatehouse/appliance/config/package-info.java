/**
 * The configuration file {@code gatehouse.yaml}: read, validated (every problem with its path, value and
 * what was expected) and turned into immutable records; {@code gatehouse check-config} runs the same code.
 *
 * <p>Sections move to {@link dev.gatehouse.appliance.config.ConfigBinder}: the section's record carries its
 * fields, defaults and bounds ({@code Bind} annotations), Jackson binds it, and the section's class keeps only
 * the rules that span fields. Bound so far: {@code console}, {@code tls}, {@code proxy}, {@code accessLog},
 * {@code claims}, {@code store}, {@code logging}, {@code events}; the others are still read field by field with {@code ConfigReader} (same messages).
 * A new section: a record with annotated components, one {@code ConfigBinder.bind} call in
 * {@code ConfigLoader}, its name in the top-level field list.
 */
package dev.gatehouse.appliance.config;
