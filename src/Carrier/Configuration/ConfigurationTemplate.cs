using System.Text;
using System.Text.Json;

namespace Carrier.Configuration;

/// <summary>The commented <c>carrier.json</c> that <c>carrier init</c> writes.</summary>
public static class ConfigurationTemplate
{
    public static string Render(string hostname, IReadOnlyList<string> domains, IReadOnlyList<string> smtpListen)
    {
        static string Json(string value) => JsonSerializer.Serialize(value);
        static string List(IEnumerable<string> values) => "[" + string.Join(", ", values.Select(Json)) + "]";

        var text = new StringBuilder();
        text.Append($$"""
            // Carrier configuration. Comments are allowed. Every key can be overridden by an environment
            // variable: CARRIER_ + the key path with "__" between sections, e.g. CARRIER_Smtp__Listen__0=0.0.0.0:2525.
            // Check it with: carrier check --data <this directory>
            {
              // The name this server gives itself in greetings, Received: headers and bounces.
              "Hostname": {{Json(hostname)}},

              // Where postmaster@ and abuse@ of every local domain go when no account or alias has that name.
              // "Postmaster": "admin@example.org",

              "Domains": {
                // Domains whose mailboxes are on this server. More can be added with 'carrier domain add'.
                "Local": {{List(domains)}},
                // Domains this server is a backup MX for: mail is accepted and forwarded to their primary.
                "Relay": []
              },

              "Smtp": {
                // address:port pairs for the SMTP service; [::]:25 listens on IPv6 and IPv4.
                "Listen": {{List(smtpListen)}},
                // DNS blocklists asked about every untrusted client (554 5.7.1 at RCPT when listed; lookups
                // that fail let the client in). Spamhaus refuses queries through public resolvers: use your own.
                "Dnsbl": [],                      // e.g. ["zen.spamhaus.org"]
                // Greylisting (RFC 6647): a new (client /24 or /64, sender, recipient) gets 450 for Delay; kept
                // in memory, so a restart forgets it. Authenticated and trusted clients are never greylisted.
                "Greylisting": {
                  "Enabled": false,
                  "Delay": "00:05:00",
                  "RetryWindow": "2.00:00:00",    // how long a first attempt waits for its retry
                  "PassedLifetime": "36.00:00:00" // how long a triplet that passed is remembered
                }
              },

              // Clients that may relay to any domain; they are also spared the anti-abuse limits.
              // "Relay": { "TrustedNetworks": ["127.0.0.0/8", "::1/128"] },

              // Message submission for mail clients (RFC 6409): AUTH required, STARTTLS on 587, implicit TLS on 465.
              "Submission": {
                "Listen": ["0.0.0.0:587"],
                "RestrictSender": true            // users send only as their own addresses and aliases
              },
              "Submissions": { "Listen": ["0.0.0.0:465"] },

              // POP3 for mail clients: STLS on 110, implicit TLS on 995.
              "Pop3": { "Listen": ["0.0.0.0:110"] },
              "Pop3s": { "Listen": ["0.0.0.0:995"] },

              // TLS certificate and key as PEM files, relative to this directory; reloaded when they change.
              // init created a self-signed pair in tls/; point these at a CA-issued one (e.g. from certbot).
              "Tls": {
                "CertificateFile": "tls/cert.pem",
                "KeyFile": "tls/key.pem"
              },

              // When passwords may be sent without TLS: Never, Loopback (clients on this machine) or Always.
              "Auth": { "PlaintextWithoutTls": "Loopback" },

              "Limits": {
                "MessageSizeBytes": 52428800,     // 50 MiB, announced with SIZE (RFC 1870)
                "RecipientsPerMessage": 1000,     // more get 452 4.5.3 (RFC 5321 asks for at least 100)
                "ConnectionsPerIp": 50,           // excess connections get 421 and are closed
                "Connections": 1000,
                "CommandLineBytes": 2048,         // longer command lines get 500 5.5.2
                "DataLineBytes": 998,             // RFC 5322 §2.1.1; longer message lines are refused
                "ErrorsPerSession": 20,           // after this many errors (unknown recipients too) a client gets 421
                "MessagesPerSession": 1000,       // then MAIL gets 421 and the client reconnects
                "ConnectionRatePerIp": 0          // port 25 connections per minute from one address; 0: no limit
              },

              "Timeouts": {
                "Idle": "00:05:00",               // silence allowed from a client (RFC 5321 §4.5.3.2)
                "Session": "01:00:00",            // longest life of one connection
                "ShutdownGrace": "00:00:10"       // how long stopping waits for work in progress
              },

              "Queue": {
                "MinBackoff": "00:05:00",         // first retry after a temporary failure
                "MaxBackoff": "01:06:40",         // retries back off up to this interval
                "MaxLifetime": "5.00:00:00",      // then the message is returned to its sender
                "DelayWarning": "04:00:00",       // tell the sender once after this long; remove to turn off
                "MaxConcurrentDeliveries": 20,
                "PollInterval": "00:00:01"
              },

              // Sender authentication of mail arriving on port 25 (not submission, not trusted networks):
              // SPF, DKIM and DMARC, reported in an Authentication-Results header field.
              "Authentication": {
                "Enabled": true,
                "DmarcReject": "Reject",          // p=reject: Reject (550 5.7.1), Quarantine (Junk) or Mark
                "DmarcQuarantine": "Quarantine",  // p=quarantine: file into the recipient's Junk mailbox
                "SpfFail": "Mark",                // SPF -all failures that DMARC did not pass
                "TemporaryError": "Accept",       // DNS failures: Accept (marked) or Defer (451 4.7.1)
                "Timeout": "00:00:20"             // for the DNS work of each stage
              },

              "Store": {
                "Provider": "Embedded",           // SQLite and files in this directory
                "InlineBlobMaxBytes": 65536       // smaller messages live in the database, larger in blobs/
              },

              "Logging": {
                "LogLevel": { "Default": "Information" }
              }
            }

            """);
        return text.ToString();
    }
}
