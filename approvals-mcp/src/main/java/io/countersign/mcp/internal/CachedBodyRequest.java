package io.countersign.mcp.internal;

import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.IOException;
import java.io.SequenceInputStream;
import java.nio.charset.StandardCharsets;

/** A request whose body was read ahead (by {@link CancellationFilter}) and is served again to the transport. */
final class CachedBodyRequest extends HttpServletRequestWrapper {

  private final InputStream body;

  CachedBodyRequest(HttpServletRequest request, byte[] readAhead, InputStream rest) {
    super(request);
    InputStream head = new ByteArrayInputStream(readAhead);
    this.body = rest == null ? head : new SequenceInputStream(head, rest);
  }

  @Override
  public ServletInputStream getInputStream() {
    return new ServletInputStream() {
      private boolean finished;

      @Override
      public int read() throws IOException {
        int b = body.read();
        finished = b < 0;
        return b;
      }

      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        int n = body.read(b, off, len);
        finished = n < 0;
        return n;
      }

      @Override
      public boolean isFinished() {
        return finished;
      }

      @Override
      public boolean isReady() {
        return true;
      }

      @Override
      public void setReadListener(ReadListener listener) {
        throw new UnsupportedOperationException("the MCP request body was already read ahead; use blocking reads");
      }
    };
  }

  @Override
  public BufferedReader getReader() {
    String encoding = getCharacterEncoding();
    return new BufferedReader(new InputStreamReader(getInputStream(),
        encoding == null ? StandardCharsets.UTF_8 : java.nio.charset.Charset.forName(encoding)));
  }
}
