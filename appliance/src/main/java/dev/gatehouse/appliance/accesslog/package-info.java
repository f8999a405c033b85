/**
 * The access log: one JSON line per finished request (HTTP/1.1 request or HTTP/2 stream) and per
 * sampled refused handshake, from the data plane's {@link dev.gatehouse.tls.observe.RequestRecord}s.
 *
 * <p>Decisions: the event loop only offers the immutable record to a bounded queue (full: dropped and
 * counted, {@link dev.gatehouse.appliance.accesslog.AccessLog#droppedRecords()}, never a stalled
 * request); formatting, the tenant lookup and the file I/O happen on one writer thread. Lines are
 * 7-bit JSON (everything a client controls is escaped), the query string is left out unless
 * {@code accessLog.query} is on. Rotation is logrotate's move + signal: SIGHUP,
 * {@code POST /v1/access-log/reopen} or {@code gatehouse log reopen} make the writer reopen the path
 * between two batches of whole lines (no {@code copytruncate}, which loses lines). Completed handshakes
 * are not logged on their own: each request line carries its connection's TLS facts.
 */
package dev.gatehouse.appliance.accesslog;
