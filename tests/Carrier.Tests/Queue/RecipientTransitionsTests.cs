using Carrier.Queue;
using Carrier.Store.Queue;
using Microsoft.Extensions.Time.Testing;

namespace Carrier.Tests.Queue;

/// <summary>The queue's one transition: a recipient's state and an attempt's outcome give its next state.</summary>
public sealed class RecipientTransitionsTests
{
    private const double NoJitter = 0.5;

    private static readonly DateTimeOffset Arrived = new(2025, 3, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly RetryPolicy Policy = new();

    private static readonly QueuedMessage Message = new()
    {
        Id = "0123456789ABCDEF",
        Sender = "sender@example.org",
        ArrivedAt = Arrived,
        Size = 100,
        BlobId = "blob",
        Origin = "smtp",
    };

    private static readonly DeliveryOutcome Delivered = DeliveryOutcome.Delivered("mx.example.net[192.0.2.1]:25", "250 2.0.0 Ok: queued as X");
    private static readonly DeliveryOutcome Temporary = DeliveryOutcome.Temporary("4.4.1", "connect to mx.example.net[192.0.2.1]:25: Connection refused", "mx.example.net[192.0.2.1]:25");
    private static readonly DeliveryOutcome Permanent = DeliveryOutcome.Permanent("5.1.1", "550 5.1.1 user unknown", "mx.example.net[192.0.2.1]:25");

    private static QueuedRecipient Recipient(RecipientState state = RecipientState.Queued, int attempts = 0) => new()
    {
        Index = 2,
        Address = "rcpt@example.net",
        State = state,
        Attempts = attempts,
        NextAttemptAt = Arrived,
    };

    [Fact]
    public void A_delivered_attempt_makes_the_recipient_delivered()
    {
        var now = Arrived.AddSeconds(3);
        var update = RecipientTransitions.Next(Recipient(), Message, Delivered, now, Policy, NoJitter);
        Assert.Equal(
            new RecipientUpdate(2, RecipientState.Delivered, 1, now, now, "250 2.0.0 Ok: queued as X", "2.0.0", "mx.example.net[192.0.2.1]:25"),
            update);
    }

    [Fact]
    public void A_permanent_failure_bounces_the_recipient()
    {
        var now = Arrived.AddSeconds(3);
        var update = RecipientTransitions.Next(Recipient(), Message, Permanent, now, Policy, NoJitter);
        Assert.Equal(
            new RecipientUpdate(2, RecipientState.Bounced, 1, now, now, "550 5.1.1 user unknown", "5.1.1", "mx.example.net[192.0.2.1]:25"),
            update);
    }

    [Fact]
    public void A_temporary_failure_defers_the_recipient_by_the_backoff()
    {
        var now = Arrived.AddSeconds(3);
        var update = RecipientTransitions.Next(Recipient(), Message, Temporary, now, Policy, NoJitter);
        Assert.Equal(RecipientState.Deferred, update.State);
        Assert.Equal(1, update.Attempts);
        Assert.Equal(now + TimeSpan.FromMinutes(5), update.NextAttemptAt);
        Assert.Equal(now, update.LastAttemptAt);
        Assert.Equal("4.4.1", update.DsnStatus);
        Assert.Equal("connect to mx.example.net[192.0.2.1]:25: Connection refused", update.LastReply);
    }

    [Theory]
    [InlineData(0, 1, 300)]
    [InlineData(1, 2, 600)]
    [InlineData(3, 4, 2400)]
    [InlineData(9, 10, 4000)]
    public void Attempts_are_counted_and_the_backoff_follows_them(int before, int after, int waitSeconds)
    {
        var now = Arrived.AddHours(1);
        var update = RecipientTransitions.Next(Recipient(RecipientState.Deferred, before), Message, Temporary, now, Policy, NoJitter);
        Assert.Equal(after, update.Attempts);
        Assert.Equal(now.AddSeconds(waitSeconds), update.NextAttemptAt);
    }

    [Fact]
    public void The_jitter_passed_in_is_the_jitter_used()
    {
        var now = Arrived.AddHours(1);
        var low = RecipientTransitions.Next(Recipient(RecipientState.Deferred, 1), Message, Temporary, now, Policy, 0);
        var high = RecipientTransitions.Next(Recipient(RecipientState.Deferred, 1), Message, Temporary, now, Policy, 0.99);
        Assert.Equal(now.AddSeconds(540), low.NextAttemptAt);
        Assert.Equal(now + Policy.Backoff(2, 0.99), high.NextAttemptAt);
        Assert.True(high.NextAttemptAt > low.NextAttemptAt);
    }

    [Fact]
    public void A_temporary_failure_once_the_lifetime_is_over_expires_the_recipient()
    {
        var now = Arrived + Policy.MaxLifetime;
        var update = RecipientTransitions.Next(Recipient(RecipientState.Deferred, 40), Message, Temporary, now, Policy, NoJitter);
        Assert.Equal(
            new RecipientUpdate(2, RecipientState.Expired, 41, now, now, Temporary.Reply, "4.4.1", Temporary.Relay),
            update);
    }

    [Fact]
    public void Just_before_the_lifetime_ends_a_temporary_failure_still_defers()
    {
        var now = Arrived + Policy.MaxLifetime - TimeSpan.FromTicks(1);
        var update = RecipientTransitions.Next(Recipient(RecipientState.Deferred, 40), Message, Temporary, now, Policy, NoJitter);
        Assert.Equal(RecipientState.Deferred, update.State);
    }

    [Fact]
    public void Success_or_a_permanent_failure_after_the_lifetime_still_count_as_such()
    {
        var late = Arrived + Policy.MaxLifetime + TimeSpan.FromHours(1);
        Assert.Equal(RecipientState.Delivered, RecipientTransitions.Next(Recipient(RecipientState.Deferred, 5), Message, Delivered, late, Policy, NoJitter).State);
        Assert.Equal(RecipientState.Bounced, RecipientTransitions.Next(Recipient(RecipientState.Deferred, 5), Message, Permanent, late, Policy, NoJitter).State);
    }

    [Theory]
    [InlineData(RecipientState.Delivered, "delivered")]
    [InlineData(RecipientState.Bounced, "bounced")]
    [InlineData(RecipientState.Expired, "expired")]
    public void A_final_state_refuses_every_further_transition(RecipientState state, string name)
    {
        Assert.True(state.IsFinal());
        foreach (var outcome in new[] { Delivered, Temporary, Permanent })
        {
            var exception = Assert.Throws<InvalidOperationException>(
                () => RecipientTransitions.Next(Recipient(state, 3), Message, outcome, Arrived.AddHours(1), Policy, NoJitter));
            Assert.Equal($"Recipient 2 of 0123456789ABCDEF is already {name}.", exception.Message);
        }
    }

    [Theory]
    [InlineData(RecipientState.Queued)]
    [InlineData(RecipientState.Deferred)]
    public void Queued_and_deferred_are_not_final(RecipientState state) => Assert.False(state.IsFinal());

    [Fact]
    public void A_recipient_that_keeps_failing_is_retried_on_schedule_until_it_expires()
    {
        var clock = new FakeTimeProvider(Arrived);
        var recipient = Recipient();
        var waits = new List<TimeSpan>();
        while (!recipient.State.IsFinal())
        {
            var update = RecipientTransitions.Next(recipient, Message, Temporary, clock.GetUtcNow(), Policy, NoJitter);
            recipient = recipient with { State = update.State, Attempts = update.Attempts, NextAttemptAt = update.NextAttemptAt, LastAttemptAt = update.LastAttemptAt };
            if (update.State == RecipientState.Deferred)
            {
                waits.Add(update.NextAttemptAt - clock.GetUtcNow());
                clock.SetUtcNow(update.NextAttemptAt);
            }
        }

        Assert.Equal(RecipientState.Expired, recipient.State);
        Assert.Equal(new double[] { 300, 600, 1200, 2400, 4000 }, waits.Take(5).Select(w => w.TotalSeconds));
        Assert.All(waits.Skip(4), w => Assert.Equal(Policy.MaxBackoff, w));
        Assert.True(clock.GetUtcNow() - Arrived >= Policy.MaxLifetime);
        Assert.True(clock.GetUtcNow() - Arrived < Policy.MaxLifetime + Policy.MaxBackoff);

        // 4500 s for the first four waits, then 4000 s each until five days have passed.
        int expected = 4 + (int)Math.Ceiling((Policy.MaxLifetime.TotalSeconds - 4500) / 4000) + 1;
        Assert.Equal(expected, recipient.Attempts);
    }
}
