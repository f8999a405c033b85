/**
 * Demo and test material only: a throw-away CA, an echo backend and PEM helpers for {@code gatehouse demo}
 * and the tests; production code does not depend on it.
 */
package dev.gatehouse.tls.demo;
