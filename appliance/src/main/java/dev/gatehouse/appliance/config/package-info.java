/**
 * The configuration file {@code gatehouse.yaml}: read, validated (every problem with its path, value and
 * what was expected) and turned into immutable records; {@code gatehouse check-config} runs the same code.
 */
package dev.gatehouse.appliance.config;
