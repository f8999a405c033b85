package dev.gatehouse.tls.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.gatehouse.tls.transport.Transport;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import java.io.InputStream;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The drop filter on a real epoll listener bound to every address: connections to the filtered
 * loopback address 127.0.0.2 go unanswered (a timeout, not a refusal: no RST, so the client
 * retransmits), 127.0.0.1 is served as before, a connection to 127.0.0.2 accepted before the filter
 * keeps working, and removing the filter serves 127.0.0.2 again.
 */
class ListenerFilterTest {

    private static final Inet4Address DRAINED = address("127.0.0.2");
    private static final Inet4Address OTHER = address("127.0.0.1");

    private EventLoopGroup group;
    private Channel listener;
    private int port;

    @BeforeEach
    void echoServer() throws Exception {
        Transport t = Transport.best();
        assumeTrue(t.name().equals("epoll"), "the filter needs the epoll transport");
        group = t.newGroup(1, "filter-test");
        listener = new ServerBootstrap().group(group).channel(t.serverChannel())
                .childHandler(new Echo())
                .bind(new InetSocketAddress("0.0.0.0", 0)).sync().channel();
        port = ((InetSocketAddress) listener.localAddress()).getPort();
    }

    @AfterEach
    void stop() {
        if (group != null) {
            listener.close().syncUninterruptibly();
            group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    @Test
    void dropsNewConnectionsToTheFilteredAddressOnlyAndKeepsOpenOnes() throws Exception {
        try (Socket before = connect(DRAINED, 2000)) {
            assertThat(ListenerFilter.apply(listener, List.of(DRAINED))).isTrue();

            assertThatThrownBy(() -> connect(DRAINED, 500).close())
                    .as("a new connection to the drained address: its SYN is dropped (timeout, not refused)")
                    .isInstanceOf(SocketTimeoutException.class);
            try (Socket other = connect(OTHER, 2000)) {
                assertThat(echo(other)).as("another address is served").isEqualTo('o');
            }
            assertThat(echo(before)).as("the connection accepted before the filter").isEqualTo('o');

            assertThat(ListenerFilter.apply(listener, List.of())).isTrue();
            try (Socket again = connect(DRAINED, 2000)) {
                assertThat(echo(again)).as("served again once the filter is removed").isEqualTo('o');
            }
        }
    }

    @Test
    void theProgramHasOneComparisonPerAddress() {
        assertThat(ListenerFilter.program(List.of(DRAINED)).size()).isEqualTo(8 * 7);
        assertThat(ListenerFilter.program(List.of(DRAINED, OTHER)).size()).isEqualTo(8 * 8);
    }

    private Socket connect(InetAddress to, int timeoutMs) throws Exception {
        Socket s = new Socket();
        try {
            s.connect(new InetSocketAddress(to, port), timeoutMs);
            s.setSoTimeout(2000);
            return s;
        } catch (Exception e) {
            s.close();
            throw e;
        }
    }

    private static char echo(Socket s) throws Exception {
        s.getOutputStream().write('o');
        InputStream in = s.getInputStream();
        return (char) in.read();
    }

    @ChannelHandler.Sharable
    private static final class Echo extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ctx.writeAndFlush(msg);
        }
    }

    private static Inet4Address address(String a) {
        try {
            return (Inet4Address) InetAddress.getByName(a);
        } catch (java.net.UnknownHostException e) {
            throw new AssertionError(e);
        }
    }
}
