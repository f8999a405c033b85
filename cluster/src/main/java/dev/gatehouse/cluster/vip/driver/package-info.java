/**
 * How a VIP is held: netlink (address and gratuitous ARP through JNA), EC2 (secondary private IP or Elastic
 * IP through the AWS API), or none (ownership decided and reported only).
 */
package dev.gatehouse.cluster.vip.driver;
