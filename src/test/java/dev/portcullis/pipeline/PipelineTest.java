package dev.portcullis.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** The stage order and the unwinding contract of {@link Pipeline}, without sockets or an event loop. */
class PipelineTest {
  private final List<String> log = new ArrayList<>();

  /** A stage that logs what happens to it and refuses, fails or waits when told. */
  private final class Recording implements Stage {
    final String name;
    Future<Void> answer = Future.succeededFuture();
    /** What finishing returns; null: finish at once (the default). */
    Future<Void> finishing;
    boolean throwOnFinish;
    boolean records;

    Recording(String name) {
      this.name = name;
    }

    @Override
    public String name() {
      return name;
    }

    @Override
    public Future<Void> admit(Call call) {
      log.add("admit " + name);
      return answer;
    }

    @Override
    public void finish(Call call, Outcome outcome) {
      log.add("finish " + name + " " + outcome.kind());
      if (throwOnFinish) {
        throw new IllegalStateException("finish broke");
      }
    }

    @Override
    public Future<Void> finishing(Call call, Outcome outcome) {
      if (finishing == null) {
        return Stage.super.finishing(call, outcome);
      }
      log.add("finishing " + name + " " + outcome.kind());
      return finishing;
    }

    @Override
    public boolean recordsRejections() {
      return records;
    }
  }

  private static Call call() {
    return new Call("req-1", Surface.OPENAI, "chat_completions", null, Call.Target.model("m"), null, null,
        new Call.Client(null, null, null), null, System.nanoTime());
  }

  private List<Recording> stages(int n) {
    return IntStream.range(0, n).mapToObj(i -> new Recording("s" + i)).toList();
  }

  @Test
  void admitsInOrderAndFinishesInReverseOnceAdmitted() {
    List<Recording> s = stages(4);
    Pipeline p = new Pipeline(List.copyOf(s));
    Future<Pipeline.Admitted> run = p.run(call());
    assertThat(run.succeeded()).isTrue();
    assertThat(log).containsExactly("admit s0", "admit s1", "admit s2", "admit s3");
    log.clear();
    run.result().finish(Outcome.answered(200));
    run.result().finish(Outcome.aborted()); // a second report (client hang-up after the answer) changes nothing
    assertThat(log).containsExactly("finish s3 OK", "finish s2 OK", "finish s1 OK", "finish s0 OK");
  }

  @Test
  void aRefusalAtEachPointFinishesExactlyTheStagesBeforeIt() {
    for (int at = 0; at < 4; at++) {
      log.clear();
      List<Recording> s = stages(4);
      s.get(at).answer = Future.failedFuture(Refused.policy("r", "no"));
      Future<Pipeline.Admitted> run = new Pipeline(List.copyOf(s)).run(call());
      assertThat(run.failed()).isTrue();
      assertThat(run.cause()).isInstanceOf(Refused.class);
      List<String> expected = new ArrayList<>();
      for (int i = 0; i <= at; i++) {
        expected.add("admit s" + i);
      }
      for (int i = at - 1; i >= 0; i--) {
        expected.add("finish s" + i + " REFUSED");
      }
      assertThat(log).as("refused at s" + at).containsExactlyElementsOf(expected);
    }
  }

  @Test
  void aStageThatBreaksIsAFailureAndStillUnwinds() {
    List<Recording> s = stages(3);
    Stage broken = new Stage() {
      @Override
      public String name() {
        return "broken";
      }

      @Override
      public Future<Void> admit(Call call) {
        throw new IllegalStateException("bug");
      }

      @Override
      public void finish(Call call, Outcome outcome) {
        log.add("finish broken");
      }
    };
    Future<Pipeline.Admitted> run = new Pipeline(List.of(s.get(0), s.get(1), broken, s.get(2))).run(call());
    assertThat(run.failed()).isTrue();
    assertThat(run.cause()).isInstanceOf(IllegalStateException.class);
    assertThat(log).containsExactly("admit s0", "admit s1", "finish s1 FAILED", "finish s0 FAILED");
  }

  @Test
  void aStageThatWaitsResumesTheOrderAndUnwindsWhenItRefusesLater() {
    List<Recording> s = stages(3);
    Promise<Void> held = Promise.promise();
    s.get(1).answer = held.future();
    Future<Pipeline.Admitted> run = new Pipeline(List.copyOf(s)).run(call());
    assertThat(run.isComplete()).isFalse();
    assertThat(log).containsExactly("admit s0", "admit s1");
    held.fail(Refused.approvalDenied("r", "apr_1", "denied"));
    assertThat(run.failed()).isTrue();
    assertThat(log).containsExactly("admit s0", "admit s1", "finish s0 REFUSED");

    log.clear();
    List<Recording> t = stages(3);
    Promise<Void> later = Promise.promise();
    t.get(1).answer = later.future();
    Future<Pipeline.Admitted> ok = new Pipeline(List.copyOf(t)).run(call());
    later.complete();
    assertThat(ok.succeeded()).isTrue();
    assertThat(log).containsExactly("admit s0", "admit s1", "admit s2");
  }

  @Test
  void everyStageFinishesOnEveryPathEvenWhenOneFinishThrows() {
    for (Outcome outcome : List.of(Outcome.answered(200), Outcome.failed(502, "upstream_error"), Outcome.aborted())) {
      log.clear();
      List<Recording> s = stages(3);
      s.get(1).throwOnFinish = true;
      new Pipeline(List.copyOf(s)).run(call()).result().finish(outcome);
      assertThat(log).containsExactly("admit s0", "admit s1", "admit s2", "finish s2 " + outcome.kind(),
          "finish s1 " + outcome.kind(), "finish s0 " + outcome.kind());
    }
  }

  @Test
  void aCallRefusedAtTheEdgeReachesOnlyTheStagesThatRecordEveryCall() {
    List<Recording> s = stages(3);
    s.get(0).records = true;
    new Pipeline(List.copyOf(s)).reject(call(), Refused.atEdge(400, "invalid_json", "not JSON"));
    assertThat(log).containsExactly("finish s0 REFUSED");
  }

  @Test
  void aStageWhoseFinishingWaitsHoldsTheStagesBeforeItAndTheAnswer() {
    List<Recording> s = stages(3);
    Promise<Void> committing = Promise.promise();
    s.get(1).finishing = committing.future();
    Future<Pipeline.Admitted> run = new Pipeline(List.copyOf(s)).run(call());
    log.clear();
    Future<Void> finished = run.result().finish(Outcome.replied("ok", 0));
    assertThat(log).containsExactly("finish s2 OK", "finishing s1 OK");
    assertThat(finished.isComplete()).as("the answer waits for the commit").isFalse();
    committing.complete();
    assertThat(log).containsExactly("finish s2 OK", "finishing s1 OK", "finish s0 OK");
    assertThat(finished.succeeded()).isTrue();
  }

  @Test
  void aFinishingThatFailsIsLoggedAndTheStagesBeforeItStillFinish() {
    List<Recording> s = stages(3);
    Promise<Void> committing = Promise.promise();
    s.get(2).finishing = committing.future();
    Future<Pipeline.Admitted> run = new Pipeline(List.copyOf(s)).run(call());
    log.clear();
    Future<Void> finished = run.result().finish(Outcome.failed(502, "upstream_error"));
    committing.fail(new IllegalStateException("the trail is down"));
    assertThat(log).containsExactly("finishing s2 FAILED", "finish s1 FAILED", "finish s0 FAILED");
    assertThat(finished.succeeded()).isTrue();
  }

  @Test
  void aRefusalIsReportedOnlyOnceTheStagesBeforeItHaveFinished() {
    List<Recording> s = stages(3);
    Promise<Void> committing = Promise.promise();
    s.get(0).finishing = committing.future();
    s.get(2).answer = Future.failedFuture(Refused.notRecorded("not sent"));
    Future<Pipeline.Admitted> run = new Pipeline(List.copyOf(s), r -> -32603).run(call());
    assertThat(run.isComplete()).isFalse();
    assertThat(log).containsExactly("admit s0", "admit s1", "admit s2", "finish s1 REFUSED", "finishing s0 REFUSED");
    committing.complete();
    assertThat(run.failed()).isTrue();
    assertThat(run.cause()).isInstanceOf(Refused.class);
  }

  @Test
  void theSurfaceNumbersRefusalsAndTheAuditLabelIsTheSameOnEverySurface() {
    List<Outcome> seen = new ArrayList<>();
    Stage recorder = new Stage() {
      @Override
      public String name() {
        return "recorder";
      }

      @Override
      public Future<Void> admit(Call call) {
        return Future.succeededFuture();
      }

      @Override
      public void finish(Call call, Outcome outcome) {
        seen.add(outcome);
      }
    };
    Recording limits = new Recording("limits");
    limits.answer = Future.failedFuture(Refused.limit(new dev.portcullis.limits.Refusal(
        dev.portcullis.limits.Refusal.Kind.REQUESTS_PER_MINUTE, "too many", 1_000_000, null, null)));
    new Pipeline(List.of(recorder, limits), r -> -32033).run(call());
    new Pipeline(List.of(recorder, limits)).run(call());
    assertThat(seen).extracting(Outcome::status).containsExactly(-32033, 429);
    assertThat(seen).extracting(Outcome::label).containsExactly("rate_limited", "rate_limited");
  }
}
