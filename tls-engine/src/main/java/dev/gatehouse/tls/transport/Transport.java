package dev.gatehouse.tls.transport;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.ServerSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;

/** The socket transport: epoll when the native library loads on Linux, NIO otherwise. */
public record Transport(String name, IoHandlerFactory ioHandlerFactory,
        Class<? extends ServerSocketChannel> serverChannel, Class<? extends SocketChannel> clientChannel) {

    /** Epoll if available (and not disabled with {@code -Dgatehouse.transport=nio}), else NIO. */
    public static Transport best() {
        boolean wantNio = "nio".equalsIgnoreCase(System.getProperty("gatehouse.transport"));
        if (!wantNio && Epoll.isAvailable()) {
            return new Transport("epoll", EpollIoHandler.newFactory(), EpollServerSocketChannel.class,
                    EpollSocketChannel.class);
        }
        return nio();
    }

    public static Transport nio() {
        return new Transport("nio", NioIoHandler.newFactory(), NioServerSocketChannel.class, NioSocketChannel.class);
    }

    /** The UDP channel of this transport (DNS queries to the backends' nameservers). */
    public Class<? extends DatagramChannel> datagramChannel() {
        return EpollSocketChannel.class.equals(clientChannel) ? EpollDatagramChannel.class : NioDatagramChannel.class;
    }

    public EventLoopGroup newGroup(int threads, String prefix) {
        return new MultiThreadIoEventLoopGroup(threads, new DefaultThreadFactory(prefix, true), ioHandlerFactory);
    }
}
