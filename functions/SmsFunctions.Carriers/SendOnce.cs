using System.Net.Sockets;

namespace SmsFunctions.Carriers;

/// <summary>
/// Keeps <see cref="SocketsHttpHandler"/> from sending a request a second time by itself, and tells whether a failed
/// request was written to a connection at all.
/// </summary>
/// <remarks>
/// A request sent on a kept-alive connection that the server closes before any byte of an answer is re-sent by the
/// handler on another connection, silently: it assumes the server closed an idle connection without reading the
/// request. smsbox stopping does exactly that after it passed the SMS on; the hidden re-send is then either refused
/// (Kannel down: the caller is told "connection refused", which reads as "never reached Kannel") or accepted (the
/// SMS goes out twice — a sendsms has no idempotency key). The <see cref="Tracker"/> gives each request an attempt
/// record that flows with it (an <see cref="AsyncLocal{T}"/>: an HTTP/1.1 request is written in its own async
/// flow); the connections made by <see cref="Guard"/> note the first connection a request is written to and refuse
/// to write it to a second one. <see cref="WasWritten"/> then tells the caller that the outcome is unknown.
/// </remarks>
public static class SendOnce
{
    private static readonly AsyncLocal<Attempt?> Current = new();
    private static readonly HttpRequestOptionsKey<Attempt> Key = new("SmsFunctions.SendOnce");

    /// <summary>Makes <paramref name="handler"/>'s connections refuse to write a request a second time.</summary>
    public static SocketsHttpHandler Guard(SocketsHttpHandler handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        handler.ConnectCallback = ConnectAsync;
        return handler;
    }

    /// <summary>The handler that opens an attempt record per request; put it in front of a <see cref="Guard"/>ed one.</summary>
    public static DelegatingHandler Tracker() => new TrackingHandler();

    /// <summary>Whether any byte of <paramref name="request"/> was written to a connection.</summary>
    public static bool WasWritten(HttpRequestMessage request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return request.Options.TryGetValue(Key, out var attempt) && attempt.Connection is not null;
    }

    private static async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(context.DnsEndPoint, cancellationToken).ConfigureAwait(false);
            return new GuardedStream(new NetworkStream(socket, ownsSocket: true));
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private sealed class Attempt
    {
        public object? Connection;
    }

    private sealed class TrackingHandler : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var attempt = new Attempt();
            request.Options.Set(Key, attempt);
            return SendTrackedAsync(attempt, request, cancellationToken);
        }

        private async Task<HttpResponseMessage> SendTrackedAsync(Attempt attempt, HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Current.Value = attempt; // restored when this method returns
            return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>A connection's stream that notes, and holds to one connection, the request being written.</summary>
    private sealed class GuardedStream(NetworkStream inner) : Stream
    {
        private void BeforeWrite()
        {
            if (Current.Value is not { } attempt) { return; }
            lock (attempt)
            {
                attempt.Connection ??= this;
                if (!ReferenceEquals(attempt.Connection, this))
                {
                    throw new IOException("This request was already written to another connection, which closed without an answer; it is not sent again.");
                }
            }
        }

        public override bool CanRead => inner.CanRead;
        public override bool CanSeek => false;
        public override bool CanWrite => inner.CanWrite;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() => inner.Flush();
        public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);
        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);
        public override int Read(Span<byte> buffer) => inner.Read(buffer);
        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => inner.ReadAsync(buffer, offset, count, cancellationToken);
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => inner.ReadAsync(buffer, cancellationToken);
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count)
        {
            BeforeWrite();
            inner.Write(buffer, offset, count);
        }

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            BeforeWrite();
            inner.Write(buffer);
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            BeforeWrite();
            return inner.WriteAsync(buffer, offset, count, cancellationToken);
        }

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            BeforeWrite();
            return inner.WriteAsync(buffer, cancellationToken);
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing) { inner.Dispose(); }
            base.Dispose(disposing);
        }

        public override async ValueTask DisposeAsync()
        {
            await inner.DisposeAsync().ConfigureAwait(false);
            await base.DisposeAsync().ConfigureAwait(false);
        }
    }
}
