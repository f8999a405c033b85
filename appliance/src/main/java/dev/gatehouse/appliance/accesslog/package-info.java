/**
 * The access log: one JSON line per finished request (HTTP/1.1 request or HTTP/2 stream) and per
 * sampled refused handshake, from the data plane's {@link dev.gatehouse.tls.observe.RequestRecord}s.
 *
 * <p>Decisions: the event loop formats the line into its own bounded buffer (full: dropped and
 * counted, {@link dev.gatehouse.appliance.accesslog.AccessLog#droppedRecords()}, never a stalled
 * request) while the record's values are still in cache; one writer thread takes the buffers and does
 * the file I/O, so the event loop never touches the disk. Lines are
 * 7-bit JSON (everything a client controls is escaped), the query string is left out unless
 * {@code accessLog.query} is on. Rotation is logrotate's move + signal: SIGHUP,
 * {@code POST /v1/access-log/reopen} or {@code gatehouse log reopen} make the writer reopen the path
 * between two buffers of whole lines (no {@code copytruncate}, which loses lines). Completed handshakes
 * are not logged on their own: each request line carries its connection's TLS facts.
 */
package dev.gatehouse.appliance.accesslog;
