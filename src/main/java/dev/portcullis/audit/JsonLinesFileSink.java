package dev.portcullis.audit;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;

/**
 * Exports audit events and checkpoints as JSON lines to a file, rotated by size: past {@code maxBytes} the
 * file becomes {@code FILE.1} (and {@code FILE.1} becomes {@code FILE.2}...), keeping
 * {@code maxFiles} old files.
 */
public final class JsonLinesFileSink implements AuditSink {
  private final Path file;
  private final long maxBytes;
  private final int maxFiles;
  private OutputStream out;
  private long size;

  public JsonLinesFileSink(Path file, long maxBytes, int maxFiles) {
    this.file = file.toAbsolutePath();
    this.maxBytes = maxBytes;
    this.maxFiles = maxFiles;
    try {
      if (this.file.getParent() != null) {
        Files.createDirectories(this.file.getParent());
      }
      open();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open the audit file " + file, e);
    }
  }

  private void open() throws IOException {
    out = Files.newOutputStream(file, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    size = Files.size(file);
  }

  @Override
  public void accept(List<? extends AuditRecord> records) {
    try {
      for (AuditRecord e : records) {
        byte[] line = (AuditJson.line(e) + "\n").getBytes(StandardCharsets.UTF_8);
        if (size > 0 && size + line.length > maxBytes) {
          rotate();
        }
        out.write(line);
        size += line.length;
      }
      out.flush();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void rotate() throws IOException {
    out.close();
    Files.deleteIfExists(numbered(maxFiles));
    for (int i = maxFiles - 1; i >= 1; i--) {
      Path from = numbered(i);
      if (Files.exists(from)) {
        Files.move(from, numbered(i + 1), StandardCopyOption.REPLACE_EXISTING);
      }
    }
    Files.move(file, numbered(1), StandardCopyOption.REPLACE_EXISTING);
    open();
  }

  private Path numbered(int i) {
    return file.resolveSibling(file.getFileName() + "." + i);
  }

  @Override
  public void close() {
    try {
      out.close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
