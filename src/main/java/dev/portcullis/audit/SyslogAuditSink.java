package dev.portcullis.audit;

import dev.portcullis.config.AuditConfig;
import java.io.IOException;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;

/**
 * Exports audit events as RFC 5424 syslog messages, one event per message, the event as JSON in
 * MSG: {@code <PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID - {json}}. Facility 13 (log
 * audit); severity 6 (informational), 4 (warning) for a denial. MSGID is surface.phase
 * ({@code llm.call}, {@code mcp.started}...); a checkpoint is {@code audit.checkpoint}, severity 5 (notice). Over UDP each message is one datagram (RFC 5426);
 * over TCP messages are octet-counted ({@code LEN SP MSG}, RFC 6587), and the connection is
 * re-opened after a failure.
 */
public final class SyslogAuditSink extends QueuedSink {
  private static final int FACILITY_AUDIT = 13;
  private static final DateTimeFormatter TS =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSXXX").withZone(ZoneOffset.UTC);
  private static final int MAX_UDP = 65_000;

  private final String host;
  private final int port;
  private final boolean tcp;
  private final String appName;
  private final String hostname;
  private final String procId;
  private DatagramSocket udp;
  private Socket socket;
  private OutputStream out;

  public SyslogAuditSink(AuditConfig.SyslogSink config, Drops drops) {
    super("syslog", DEFAULT_CAPACITY, 256, drops);
    this.host = config.host();
    this.port = config.port();
    this.tcp = "tcp".equalsIgnoreCase(config.protocol());
    this.appName = field(config.appName(), 48);
    this.hostname = field(localHostname(), 255);
    this.procId = Long.toString(ProcessHandle.current().pid());
    startThread();
  }

  /** One event or checkpoint as an RFC 5424 message (without transport framing). */
  String format(AuditRecord r) {
    int severity;
    String msgId;
    long ts;
    if (r instanceof AuditEvent e) {
      severity = "deny".equals(e.decision()) ? 4 : 6;
      msgId = (e.surface() == null ? "-" : e.surface()) + "." + (e.phase() == null ? "-" : e.phase());
      ts = e.ts();
    } else {
      Checkpoint cp = (Checkpoint) r;
      severity = 5; // notice: the anchor an auditor looks for
      msgId = "audit." + Checkpoint.TYPE;
      ts = cp.ts();
    }
    return "<" + (FACILITY_AUDIT * 8 + severity) + ">1 " + TS.format(Instant.ofEpochMilli(ts)) + " " + hostname
        + " " + appName + " " + procId + " " + field(msgId, 32) + " - " + AuditJson.line(r);
  }

  @Override
  protected void send(List<AuditRecord> batch) throws Exception {
    if (tcp) {
      StringBuilder frames = new StringBuilder(batch.size() * 600);
      for (AuditRecord e : batch) {
        String msg = format(e);
        frames.append(msg.getBytes(StandardCharsets.UTF_8).length).append(' ').append(msg);
      }
      byte[] bytes = frames.toString().getBytes(StandardCharsets.UTF_8);
      IOException last = null;
      for (int attempt = 0; attempt < 3 && !givingUp(); attempt++) {
        try {
          if (out == null) {
            connect();
          }
          out.write(bytes);
          out.flush();
          return;
        } catch (IOException ex) {
          last = ex;
          release();
          Thread.sleep(200L << attempt);
        }
      }
      throw last != null ? last : new IOException("closing");
    }
    if (udp == null) {
      udp = new DatagramSocket();
    }
    InetSocketAddress to = new InetSocketAddress(host, port);
    for (AuditRecord e : batch) {
      byte[] msg = format(e).getBytes(StandardCharsets.UTF_8);
      if (msg.length > MAX_UDP) {
        throw new IOException("audit record " + AuditJson.tree(e).path("seq") + " is too large for a UDP datagram (" + msg.length + " bytes)");
      }
      udp.send(new DatagramPacket(msg, msg.length, to));
    }
  }

  private void connect() throws IOException {
    Socket s = new Socket();
    s.connect(new InetSocketAddress(host, port), 5_000);
    s.setSoTimeout(10_000);
    socket = s;
    out = s.getOutputStream();
  }

  @Override
  protected void release() {
    if (socket != null) {
      try {
        socket.close();
      } catch (IOException e) {
        // closing anyway
      }
    }
    socket = null;
    out = null;
    if (udp != null && !tcp) {
      udp.close();
      udp = null;
    }
  }

  /** A header field: printable US-ASCII without spaces, at most {@code max} characters, "-" when empty. */
  static String field(String v, int max) {
    if (v == null || v.isEmpty()) {
      return "-";
    }
    StringBuilder b = new StringBuilder(Math.min(v.length(), max));
    for (int i = 0; i < v.length() && b.length() < max; i++) {
      char c = v.charAt(i);
      b.append(c > 32 && c < 127 ? c : '_');
    }
    return b.toString();
  }

  private static String localHostname() {
    try {
      return InetAddress.getLocalHost().getHostName().toLowerCase(Locale.ROOT);
    } catch (IOException e) {
      return null;
    }
  }
}
