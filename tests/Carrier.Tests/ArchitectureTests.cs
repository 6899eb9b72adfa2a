using System.Reflection;
using System.Text.RegularExpressions;
using Carrier.Configuration;
using Carrier.Delivery;
using Carrier.Directory;
using Carrier.Imap.Messages;
using Carrier.Net.Framing;
using Carrier.Pop3.Server;
using Carrier.Queue;
using Carrier.Routing.Addresses;
using Carrier.Sasl;
using Carrier.Smtp.Protocol;
using Carrier.Store.Embedded;
using NetArchTest.Rules;

namespace Carrier.Tests;

/// <summary>
/// The dependency rules of ARCHITECTURE.md §3, checked three ways: the project references declared in the
/// .csproj files, the assembly references the compiler kept, and the types each assembly's code uses.
/// </summary>
public sealed partial class ArchitectureTests
{
    private const string Host = "carrier";

    /// <summary>Protocol parts: they meet only through Queue, Store and Directory (and share SASL).</summary>
    private static readonly string[] ProtocolParts = ["Carrier.Smtp", "Carrier.Imap", "Carrier.Pop3"];

    private static readonly Dictionary<string, Assembly> Parts = new[]
    {
        typeof(LineReader).Assembly,
        typeof(SmtpCommandParser).Assembly,
        typeof(EmbeddedStore).Assembly,
        typeof(MailDirectory).Assembly,
        typeof(EmailAddress).Assembly,
        typeof(RetryPolicy).Assembly,
        typeof(DeliveryRouter).Assembly,
        typeof(PlainMechanism).Assembly,
        typeof(Pop3Session).Assembly,
        typeof(MessageSummary).Assembly,
        typeof(ConfigurationLoader).Assembly,
    }.ToDictionary(a => a.GetName().Name!, StringComparer.Ordinal);

    /// <summary>Root namespaces of each part's code, for the type-level checks.</summary>
    private static readonly Dictionary<string, string[]> Namespaces = new(StringComparer.Ordinal)
    {
        ["Carrier.Net"] = ["Carrier.Net"],
        ["Carrier.Smtp"] = ["Carrier.Smtp"],
        ["Carrier.Store"] = ["Carrier.Store"],
        ["Carrier.Directory"] = ["Carrier.Directory"],
        ["Carrier.Routing"] = ["Carrier.Routing"],
        ["Carrier.Queue"] = ["Carrier.Queue"],
        ["Carrier.Delivery"] = ["Carrier.Delivery"],
        ["Carrier.Sasl"] = ["Carrier.Sasl"],
        ["Carrier.Pop3"] = ["Carrier.Pop3"],
        ["Carrier.Imap"] = ["Carrier.Imap"],
        [Host] = ["Carrier.Cli", "Carrier.Configuration", "Carrier.Sendmail", "Carrier.Server"],
    };

    public static TheoryData<string> PartNames() => [.. Parts.Keys.Order(StringComparer.Ordinal)];

    private static HashSet<string> CompiledReferences(string part) =>
        Parts[part].GetReferencedAssemblies().Select(a => a.Name!).Where(Parts.ContainsKey).ToHashSet(StringComparer.Ordinal);

    private static HashSet<string> DeclaredReferences(string part)
    {
        string project = part == Host ? "Carrier" : part;
        string file = Path.Combine(RepositoryRoot(), "src", project, project + ".csproj");
        return ProjectReference().Matches(File.ReadAllText(file))
            .Select(m => m.Groups["name"].Value)
            .Select(name => name == "Carrier" ? Host : name)
            .ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>Both kinds of reference: what the project says and what the compiled code needed.</summary>
    private static HashSet<string> References(string part)
    {
        var references = DeclaredReferences(part);
        references.UnionWith(CompiledReferences(part));
        return references;
    }

    private static void AssertNoTypeDependsOn(string part, IEnumerable<string> otherParts)
    {
        string[] forbidden = [.. otherParts.SelectMany(p => Namespaces[p])];
        if (forbidden.Length == 0)
        {
            return;
        }

        var result = Types.InAssembly(Parts[part]).ShouldNot().HaveDependencyOnAny(forbidden).GetResult();
        Assert.True(result.IsSuccessful, $"{part} uses {string.Join(", ", forbidden)} in: {string.Join(", ", result.FailingTypeNames ?? [])}");
    }

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Carrier.slnx")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("Carrier.slnx not found above " + AppContext.BaseDirectory);
    }

    [GeneratedRegex(@"<ProjectReference\s+Include=""[^""]*?(?<name>[\w.]+)\.csproj""")]
    private static partial Regex ProjectReference();

    [Fact]
    public void Every_part_is_known_and_every_project_is_a_part()
    {
        string[] projects = [.. System.IO.Directory.GetDirectories(Path.Combine(RepositoryRoot(), "src"))
            .Where(d => File.Exists(Path.Combine(d, Path.GetFileName(d) + ".csproj")))
            .Select(d => Path.GetFileName(d) == "Carrier" ? Host : Path.GetFileName(d))
            .Order(StringComparer.Ordinal)];
        Assert.Equal(Parts.Keys.Order(StringComparer.Ordinal), projects);
    }

    [Theory]
    [MemberData(nameof(PartNames))]
    public void Compiled_references_are_among_the_declared_ones(string part)
    {
        // The compiler drops references that no code uses, so it can only know fewer.
        Assert.Subset(DeclaredReferences(part), CompiledReferences(part));
    }

    [Fact]
    public void The_type_checks_see_dependencies_that_exist()
    {
        // Without this, a check that could not read the assemblies would pass every rule.
        Assert.NotEmpty(Types.InAssembly(Parts[Host]).That().HaveDependencyOn("Carrier.Delivery").GetTypes());
        Assert.NotEmpty(Types.InAssembly(Parts["Carrier.Smtp"]).That().HaveDependencyOn("Carrier.Net").GetTypes());
        Assert.NotEmpty(Types.InAssembly(Parts["Carrier.Queue"]).That().HaveDependencyOn("Carrier.Store").GetTypes());
        Assert.False(Types.InAssembly(Parts[Host]).ShouldNot().HaveDependencyOnAny("Carrier.Smtp").GetResult().IsSuccessful);
    }

    [Fact]
    public void Protocol_parts_never_reference_each_other()
    {
        foreach (string part in ProtocolParts.Where(Parts.ContainsKey))
        {
            var others = ProtocolParts.Where(p => p != part && Parts.ContainsKey(p)).ToList();
            Assert.Empty(References(part).Intersect(others));
            AssertNoTypeDependsOn(part, others);
        }
    }

    [Theory]
    [InlineData("Carrier.Net")]
    [InlineData("Carrier.Routing")]
    [InlineData("Carrier.Store")]
    [InlineData("Carrier.Sasl")]
    public void Foundation_parts_reference_no_other_part(string part)
    {
        Assert.Empty(References(part));
        AssertNoTypeDependsOn(part, Parts.Keys.Where(p => p != part));
    }

    [Fact]
    public void Smtp_references_only_net_and_sasl()
    {
        Assert.Equal(["Carrier.Net", "Carrier.Sasl"], References("Carrier.Smtp").Order(StringComparer.Ordinal));
        AssertNoTypeDependsOn("Carrier.Smtp", Parts.Keys.Where(p => p is not ("Carrier.Smtp" or "Carrier.Net" or "Carrier.Sasl")));
    }

    [Fact]
    public void Only_the_host_references_delivery()
    {
        foreach (string part in Parts.Keys.Where(p => p is not (Host or "Carrier.Delivery")))
        {
            Assert.DoesNotContain("Carrier.Delivery", References(part));
            AssertNoTypeDependsOn(part, ["Carrier.Delivery"]);
        }

        Assert.Contains("Carrier.Delivery", References(Host));
    }

    [Fact]
    public void No_part_references_the_host()
    {
        foreach (string part in Parts.Keys.Where(p => p != Host))
        {
            Assert.DoesNotContain(Host, References(part));
            AssertNoTypeDependsOn(part, [Host]);
        }
    }

    [Fact]
    public void The_host_references_every_part()
    {
        var expected = Parts.Keys.Where(p => p != Host).Order(StringComparer.Ordinal);
        Assert.Equal(expected, DeclaredReferences(Host).Order(StringComparer.Ordinal));
    }
}
