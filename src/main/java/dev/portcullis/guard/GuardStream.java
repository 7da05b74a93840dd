package dev.portcullis.guard;

import java.util.List;

/**
 * One channel of streamed response text (a choice's content, a tool call's arguments): puts
 * pseudonymised values back and applies response rules as the text arrives, without losing a
 * placeholder or a match split across chunks. It holds back only what may still become one:
 * the tail from an unfinished {@code [PLACEHOLDER}, at most {@value GuardSession#MAX_PLACEHOLDER}
 * characters; and, when response rules scan, the last {@code maxSpan} characters (the longest
 * visible text a detector can match). Not thread-safe: one stream, one event loop.
 */
public final class GuardStream {
  private final GuardSession session;
  private final int holdback;
  private final boolean scanning;
  /** Text received but not yet restored (an unfinished placeholder). */
  private final StringBuilder raw = new StringBuilder();
  /** Restored text not yet released (scanning hold-back). */
  private final StringBuilder restored = new StringBuilder();

  GuardStream(GuardSession session, int maxSpan, boolean scanning) {
    this.session = session;
    this.holdback = maxSpan;
    this.scanning = scanning;
  }

  /** Takes the next piece of text; returns what may be sent now (possibly empty). */
  public String push(String delta) {
    if (delta == null || delta.isEmpty()) {
      return "";
    }
    raw.append(delta);
    int cut = restorableEnd(raw);
    String ready = session.restore(raw.substring(0, cut));
    raw.delete(0, cut);
    if (!scanning) {
      return ready;
    }
    restored.append(ready);
    // scan only once enough has gathered past the hold-back, not on every small delta
    if (restored.length() < holdback + 64) {
      return "";
    }
    int release = holdbackStart();
    return release <= 0 ? "" : release(release);
  }

  /**
   * Where the held-back tail starts: {@code holdback} visible characters from the end. Invisible
   * format characters, which detectors skip, do not count, so padding a value with them cannot
   * push its start out of the tail.
   */
  private int holdbackStart() {
    int cut = restored.length();
    int visible = 0;
    while (cut > 0 && visible < holdback) {
      cut--;
      if (Character.getType(restored.charAt(cut)) != Character.FORMAT) {
        visible++;
      }
    }
    return cut;
  }

  /** The stream ended: everything held back, restored and scanned. */
  public String finish() {
    String rest = session.restore(raw.toString());
    raw.setLength(0);
    if (!scanning) {
      return rest;
    }
    restored.append(rest);
    return release(restored.length());
  }

  /** Scans what is held, releases text up to {@code cut} (never splitting a finding). */
  private String release(int cut) {
    String text = restored.toString();
    List<Finding> found = session.scanResponseFindings(text);
    int end = cut;
    List<Finding> before = new java.util.ArrayList<>(found.size());
    for (Finding f : found) {
      if (f.end() <= end) {
        before.add(f);
      } else if (f.start() < end) {
        end = f.start(); // a finding across the cut: keep it whole for the next round
      }
    }
    final int stop = end;
    before.removeIf(f -> f.end() > stop);
    String out = session.transformResponse(text.substring(0, end), before, true);
    restored.delete(0, end);
    return out;
  }

  /** Everything before a trailing '[' that may still grow into a placeholder. */
  static int restorableEnd(CharSequence s) {
    int open = -1;
    for (int i = s.length() - 1; i >= 0 && i >= s.length() - GuardSession.MAX_PLACEHOLDER; i--) {
      char c = s.charAt(i);
      if (c == '[') {
        open = i;
        break;
      }
      if (!(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_')) {
        return s.length();
      }
    }
    return open < 0 ? s.length() : open;
  }
}
