package dev.gatehouse.tls.backend;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The last handler of a backend connection: hands responses to the exchange attached to the
 * connection, and closes a pooled connection that receives anything or goes idle.
 */
public final class BackendHandler extends ChannelInboundHandlerAdapter {

    private static final Logger log = LoggerFactory.getLogger(BackendHandler.class);

    private BackendListener listener;

    /** The handler of a connection made by {@link BackendConnector} (the last one, found without a search). */
    public static BackendHandler of(Channel ch) {
        return ch.pipeline().last() instanceof BackendHandler h ? h : ch.pipeline().get(BackendHandler.class);
    }

    public void attach(BackendListener l) {
        this.listener = l;
    }

    public void detach() {
        this.listener = null;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        BackendListener l = listener;
        if (l == null) {
            ReferenceCountUtil.release(msg);
            ctx.close(); // bytes on an idle keep-alive connection: the backend is out of step
            return;
        }
        l.onBackendMessage(msg);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        BackendListener l = listener;
        listener = null;
        if (l != null) {
            l.onBackendInactive();
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof IdleStateEvent) {
            BackendListener l = listener;
            if (l == null) {
                ctx.close();
            } else {
                l.onBackendIdle();
            }
        }
        ReferenceCountUtil.release(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("event=backend_error backend={} cause={}", ctx.channel().remoteAddress(), cause.toString());
        ctx.close();
    }
}
