/**
 * The commands that run a node or work on its files offline: {@code serve}, {@code demo}, {@code check-config},
 * {@code release-vips}, {@code backup}, {@code restore}; the console clients are in {@code cli.client}.
 */
package dev.gatehouse.appliance.cli;
