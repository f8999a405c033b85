/**
 * The netlink VIP driver's kernel calls, all through JNA (no {@code ip} or {@code arping}
 * subprocesses): {@link dev.gatehouse.cluster.netlink.IpAddresses} adds, removes and lists IPv4
 * addresses over rtnetlink, idempotently; {@link dev.gatehouse.cluster.netlink.GratuitousArp}
 * announces a newly owned address with gratuitous ARP through an {@code AF_PACKET} socket.
 * Linux only.
 */
package dev.gatehouse.cluster.netlink;
