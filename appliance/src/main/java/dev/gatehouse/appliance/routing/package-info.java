/** Backend pools and Host routes kept in the store, as a service the console calls. */
package dev.gatehouse.appliance.routing;
