namespace Carrier.Imap.Protocol;

/// <summary>
/// A LIST pattern (RFC 9051 §6.3.9): "*" matches anything, "%" anything but the hierarchy delimiter. Matching
/// is a dynamic programme over pattern and name, so no pattern can make it take exponential time.
/// </summary>
public sealed class ListPattern
{
    public const int MaxLength = 1024;

    private readonly string _pattern;

    public ListPattern(string reference, string pattern)
    {
        // RFC 9051 §6.3.9: the reference is prepended, so "Archive/" with "%" lists Archive's children.
        _pattern = MailboxNames.Normalize(reference + pattern);
    }

    public bool Matches(string name)
    {
        string pattern = _pattern;
        int n = name.Length;
        var reachable = new bool[n + 1];
        reachable[0] = true;
        foreach (char p in pattern)
        {
            var next = new bool[n + 1];
            for (int i = 0; i <= n; i++)
            {
                if (!reachable[i])
                {
                    continue;
                }

                if (p == '*')
                {
                    for (int j = i; j <= n; j++)
                    {
                        next[j] = true;
                    }

                    break;
                }

                if (p == '%')
                {
                    next[i] = true;
                    for (int j = i; j < n && name[j] != MailboxNames.Delimiter; j++)
                    {
                        next[j + 1] = true;
                    }
                }
                else if (i < n && name[i] == p)
                {
                    next[i + 1] = true;
                }
            }

            reachable = next;
        }

        return reachable[n];
    }
}
