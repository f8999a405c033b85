/**
 * Answers for an operator looking at one node or one name: what is served for an SNI and why (here and on
 * every member), backend pool health, and which keys seal the store and what is left to re-seal.
 */
package dev.gatehouse.appliance.observe;
