package dev.portcullis.ui;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.Router;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/**
 * The console's static files, read once from the jar: htmx and uPlot from their WebJars, and the console's
 * own stylesheet and script. No build step and nothing fetched from elsewhere at run time.
 */
final class Assets {
  private static final String WEBJARS = "META-INF/resources/webjars/";
  private static final String OWN = "dev/portcullis/ui/";

  private final Buffer htmx;
  private final Buffer uplot;
  private final Buffer uplotCss;
  private final Buffer css;
  private final Buffer js;

  Assets() {
    this.htmx = read(WEBJARS + "htmx.org/" + version("htmx.org") + "/dist/htmx.min.js");
    String uplotVersion = version("uplot");
    this.uplot = read(WEBJARS + "uplot/" + uplotVersion + "/dist/uPlot.iife.min.js");
    this.uplotCss = read(WEBJARS + "uplot/" + uplotVersion + "/dist/uPlot.min.css");
    this.css = read(OWN + "console.css");
    this.js = read(OWN + "console.js");
  }

  void mount(Router router) {
    router.get(Console.BASE + "/assets/htmx.min.js").handler(ctx -> serve(ctx.response(), htmx, "text/javascript"));
    router.get(Console.BASE + "/assets/uPlot.min.js").handler(ctx -> serve(ctx.response(), uplot, "text/javascript"));
    router.get(Console.BASE + "/assets/uPlot.min.css").handler(ctx -> serve(ctx.response(), uplotCss, "text/css"));
    router.get(Console.BASE + "/assets/console.js").handler(ctx -> serve(ctx.response(), js, "text/javascript"));
    router.get(Console.BASE + "/assets/console.css").handler(ctx -> serve(ctx.response(), css, "text/css"));
  }

  private static void serve(io.vertx.core.http.HttpServerResponse r, Buffer body, String type) {
    r.putHeader(HttpHeaders.CONTENT_TYPE, type + "; charset=utf-8").putHeader("cache-control", "max-age=3600")
        .end(body);
  }

  /** The version of an npm WebJar on the class path (its files live under that version). */
  private static String version(String npmPackage) {
    Properties p = new Properties();
    try (InputStream in = resource("META-INF/maven/org.webjars.npm/" + npmPackage + "/pom.properties")) {
      p.load(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return p.getProperty("version");
  }

  private static Buffer read(String path) {
    try (InputStream in = resource(path)) {
      return Buffer.buffer(in.readAllBytes());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static InputStream resource(String path) {
    InputStream in = Assets.class.getClassLoader().getResourceAsStream(path);
    if (in == null) {
      throw new IllegalStateException("the console's file " + path + " is missing from the jar");
    }
    return in;
  }
}
