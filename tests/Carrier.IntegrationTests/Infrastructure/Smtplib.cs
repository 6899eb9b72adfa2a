using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Carrier.IntegrationTests.Infrastructure;

/// <summary>One message for <c>Scripts/smtplib_send.py</c>: the exact bytes to send and the envelope.</summary>
public sealed record SmtplibMessage(string Sender, IReadOnlyList<string> Recipients, byte[] Data, IReadOnlyList<string>? MailOptions = null)
{
    public JsonObject ToJson() => new()
    {
        ["sender"] = Sender,
        ["recipients"] = new JsonArray([.. Recipients.Select(r => (JsonNode)r)]),
        ["data_b64"] = Convert.ToBase64String(Data),
        ["mail_options"] = new JsonArray([.. (MailOptions ?? []).Select(o => (JsonNode)o)]),
    };
}

/// <summary>The replies smtplib saw for one message.</summary>
public sealed record SmtplibResult(JsonObject Json)
{
    public int MailCode => (int)Json["mail"]![0]!;

    public string MailReply => $"{MailCode} {Json["mail"]![1]}";

    public IReadOnlyList<(string Recipient, int Code, string Text)> Recipients =>
        Json["rcpt"] is JsonArray rcpt ? [.. rcpt.Select(r => ((string)r![0]!, (int)r[1]!, $"{(int)r[1]!} {(string)r[2]!}"))] : [];

    public int? DataCode => Json["data"] is JsonArray data ? (int)data[0]! : null;

    public string DataReply => Json["data"] is JsonArray data ? $"{(int)data[0]!} {(string)data[1]!}" : $"(no DATA: {Json.ToJsonString()})";
}

/// <summary>Runs Python's smtplib (Debian's python3) against a server, one session for all messages.</summary>
public static class Smtplib
{
    public static async Task<(IReadOnlyList<string> Features, IReadOnlyList<SmtplibResult> Results)> SendAsync(int port, params SmtplibMessage[] messages) =>
        await RunAsync(port, [.. messages.Select(m => (JsonNode)m.ToJson())]);

    /// <summary>Builds the message with email.message.EmailMessage and sends it with send_message().</summary>
    public static async Task<SmtplibResult> ComposeAndSendAsync(int port, string from, IReadOnlyList<string> to, string subject, string body)
    {
        var compose = new JsonObject
        {
            ["compose"] = new JsonObject
            {
                ["from"] = from,
                ["to"] = new JsonArray([.. to.Select(t => (JsonNode)t)]),
                ["subject"] = subject,
                ["body"] = body,
            },
        };
        var (_, results) = await RunAsync(port, [compose]);
        return results.Single();
    }

    private static async Task<(IReadOnlyList<string>, IReadOnlyList<SmtplibResult>)> RunAsync(int port, JsonNode[] messages)
    {
        var spec = new JsonObject { ["host"] = "127.0.0.1", ["port"] = port, ["messages"] = new JsonArray(messages) };
        var run = await CommandResult.RunAsync(RepositoryPaths.Python, [RepositoryPaths.Script("smtplib_send.py")], input: Encoding.UTF8.GetBytes(spec.ToJsonString()));
        run.ExpectSuccess();
        var output = JsonNode.Parse(run.StandardOutput)?.AsObject() ?? throw new JsonException($"no JSON from smtplib_send.py: {run.Output}");
        var features = output["features"]!.AsArray().Select(f => (string)f!).ToList();
        var results = output["results"]!.AsArray().Select(r => new SmtplibResult(r!.AsObject())).ToList();
        return (features, results);
    }
}
