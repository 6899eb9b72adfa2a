using System.Text;

namespace Carrier.Imap.Messages;

/// <summary>
/// The threading algorithms of RFC 5256 §4: ORDEREDSUBJECT and REFERENCES, and the thread-list text of the THREAD
/// response. Every walk over the trees is iterative, so a mailbox of long reply chains cannot exhaust the stack.
/// </summary>
public static class ThreadBuilder
{
    /// <summary>ORDEREDSUBJECT: one thread per base subject, every later message a child of the first.</summary>
    public static List<ThreadNode> OrderedSubject(IReadOnlyList<SortableMessage> messages)
    {
        var threads = new List<ThreadNode>();
        var bySubject = new Dictionary<string, ThreadNode>(StringComparer.Ordinal);
        foreach (var message in messages.OrderBy(m => m.Subject.Key, StringComparer.Ordinal).ThenBy(m => m.SentDate).ThenBy(m => m.Index))
        {
            var node = new ThreadNode(message);
            if (bySubject.TryGetValue(message.Subject.Key, out var root))
            {
                root.Adopt(node);
            }
            else
            {
                bySubject[message.Subject.Key] = node;
                threads.Add(node);
            }
        }

        return [.. threads.OrderBy(t => t.Message!.SentDate).ThenBy(t => t.Message!.Index)];
    }

    /// <summary>REFERENCES: the parent links of Message-ID, References and In-Reply-To, then grouping by subject.</summary>
    public static List<ThreadNode> References(IReadOnlyList<SortableMessage> messages)
    {
        var roots = Link(messages);
        roots = Prune(roots);
        roots = GroupBySubject(roots);
        return Sort(roots);
    }

    /// <summary>The thread-list text of the THREAD response (RFC 5256 §5): "(1 2 (3)(4 5))(6)".</summary>
    public static string Format(IReadOnlyList<ThreadNode> threads)
    {
        var output = new StringBuilder();
        var work = new Stack<(ThreadNode? Node, bool AsThread, string? Text)>();
        for (int i = threads.Count - 1; i >= 0; i--)
        {
            work.Push((threads[i], true, null));
        }

        while (work.Count > 0)
        {
            var (node, asThread, text) = work.Pop();
            if (node is null)
            {
                output.Append(text);
                continue;
            }

            if (asThread)
            {
                work.Push((null, false, ")"));
                work.Push((node, false, null));
                work.Push((null, false, "("));
                continue;
            }

            var children = node.Children;
            if (node.Message is null && children.Count == 1)
            {
                work.Push((children[0], false, null));
                continue;
            }

            if (children.Count == 1)
            {
                work.Push((children[0], false, null));
                work.Push((null, false, " "));
            }
            else if (children.Count > 1)
            {
                for (int i = children.Count - 1; i >= 0; i--)
                {
                    work.Push((children[i], true, null));
                }

                if (node.Message is not null)
                {
                    work.Push((null, false, " "));
                }
            }

            if (node.Message is not null)
            {
                output.Append(node.Message.Number);
            }
        }

        return output.ToString();
    }

    // RFC 5256 §4 (1): containers by Message-ID, linked by the references of each message; then (2) the root set.
    private static List<ThreadNode> Link(IReadOnlyList<SortableMessage> messages)
    {
        var byId = new Dictionary<string, ThreadNode>(StringComparer.Ordinal);
        var all = new List<ThreadNode>();
        ThreadNode ContainerOf(string id)
        {
            if (!byId.TryGetValue(id, out var container))
            {
                container = new ThreadNode(null);
                byId[id] = container;
                all.Add(container);
            }

            return container;
        }

        foreach (var message in messages.OrderBy(m => m.Index))
        {
            // (1)(A) A message without a valid Message-ID, or with one an earlier message has, gets a container of its own.
            string? id = MessageIds.First(message.MessageId);
            ThreadNode container;
            if (id is not null && (!byId.TryGetValue(id, out var existing) || existing.Message is null))
            {
                container = ContainerOf(id);
                container.Message = message;
            }
            else
            {
                container = new ThreadNode(message);
                all.Add(container);
            }

            // (1)(B) References, or the first identifier of In-Reply-To when References has none.
            var references = MessageIds.All(message.References);
            if (references.Count == 0 && MessageIds.First(message.InReplyTo) is { } inReplyTo)
            {
                references.Add(inReplyTo);
            }

            for (int i = 0; i + 1 < references.Count; i++)
            {
                var parent = ContainerOf(references[i]);
                var child = ContainerOf(references[i + 1]);
                if (child.Parent is null && !WouldLoop(parent, child))
                {
                    parent.Adopt(child);
                }
            }

            // (1)(C) The last reference is the parent, replacing a link from a truncated References elsewhere.
            container.Parent?.Release(container);
            if (references.Count > 0)
            {
                var parent = ContainerOf(references[^1]);
                if (!WouldLoop(parent, container))
                {
                    parent.Adopt(container);
                }
            }
        }

        return [.. all.Where(c => c.Parent is null)];
    }

    /// <summary>Whether making <paramref name="child"/> a child of <paramref name="parent"/> would close a loop.</summary>
    private static bool WouldLoop(ThreadNode parent, ThreadNode child)
    {
        // Only a container with children can be an ancestor of another: the usual case needs no walk.
        if (child.Children.Count == 0)
        {
            return ReferenceEquals(parent, child);
        }

        for (var ancestor = parent; ancestor is not null; ancestor = ancestor.Parent)
        {
            if (ReferenceEquals(ancestor, child))
            {
                return true;
            }
        }

        return false;
    }

    // (4) Empty containers go; their children take their place, except that several children of an empty root
    // stay under it.
    private static List<ThreadNode> Prune(List<ThreadNode> roots)
    {
        foreach (var node in PostOrder(roots))
        {
            if (node.Children.Count == 0 || node.Children.All(c => c.Message is not null))
            {
                continue;
            }

            var kept = new List<ThreadNode>();
            foreach (var child in node.Children)
            {
                if (child.Message is not null)
                {
                    kept.Add(child);
                    continue;
                }

                foreach (var grandchild in child.Children)
                {
                    grandchild.Parent = node;
                    kept.Add(grandchild);
                }
            }

            node.Children.Clear();
            node.Children.AddRange(kept);
        }

        var result = new List<ThreadNode>();
        foreach (var root in roots)
        {
            if (root.Message is null && root.Children.Count == 0)
            {
                continue;
            }

            if (root.Message is null && root.Children.Count == 1)
            {
                var only = root.Children[0];
                only.Parent = null;
                result.Add(only);
                continue;
            }

            result.Add(root);
        }

        return result;
    }

    // (5) Threads whose roots share a base subject are gathered together.
    private static List<ThreadNode> GroupBySubject(List<ThreadNode> roots)
    {
        var table = new Dictionary<string, ThreadNode>(StringComparer.Ordinal);
        foreach (var root in roots)
        {
            string subject = ThreadSubject(root);
            if (subject.Length == 0)
            {
                continue;
            }

            if (!table.TryGetValue(subject, out var held))
            {
                table[subject] = root;
            }
            else if (held.Message is not null && (root.Message is null || (held.Message.Subject.IsReplyOrForward && !root.Message.Subject.IsReplyOrForward)))
            {
                table[subject] = root;
            }
        }

        var result = new List<ThreadNode>();
        var replaced = new Dictionary<ThreadNode, ThreadNode>();
        foreach (var root in roots)
        {
            string subject = ThreadSubject(root);
            if (subject.Length == 0 || !table.TryGetValue(subject, out var held) || ReferenceEquals(held, root))
            {
                result.Add(root);
                continue;
            }

            if (held.Message is null && root.Message is null)
            {
                foreach (var child in root.Children.ToList())
                {
                    held.Adopt(child);
                }
            }
            else if (held.Message is null || (root.Message!.Subject.IsReplyOrForward && !held.Message.Subject.IsReplyOrForward))
            {
                held.Adopt(root);
            }
            else
            {
                // Neither is clearly the reply: a new empty container holds both, where the held one was.
                var both = new ThreadNode(null);
                replaced[held] = both;
                table[subject] = both;
                both.Adopt(held);
                both.Adopt(root);
            }
        }

        return [.. result.Select(r => replaced.TryGetValue(r, out var container) ? container : r)];
    }

    /// <summary>The base subject of a thread: its root's, or its first child's when the root is empty.</summary>
    private static string ThreadSubject(ThreadNode root) =>
        (root.Message ?? root.Children.FirstOrDefault()?.Message)?.Subject.Key ?? string.Empty;

    // (6) Siblings in order of sent date (then mailbox order); an empty container goes by its first child.
    private static List<ThreadNode> Sort(List<ThreadNode> roots)
    {
        foreach (var node in PostOrder(roots))
        {
            if (node.Children.Count > 1)
            {
                var sorted = node.Children.OrderBy(SortDate).ThenBy(SortIndex).ToList();
                node.Children.Clear();
                node.Children.AddRange(sorted);
            }
        }

        return [.. roots.OrderBy(SortDate).ThenBy(SortIndex)];
    }

    private static DateTimeOffset SortDate(ThreadNode node) => FirstMessage(node)?.SentDate ?? DateTimeOffset.MaxValue;

    private static int SortIndex(ThreadNode node) => FirstMessage(node)?.Index ?? int.MaxValue;

    private static SortableMessage? FirstMessage(ThreadNode node) => node.Message ?? node.Children.FirstOrDefault()?.Message;

    /// <summary>Every node under the roots, children before their parent.</summary>
    private static List<ThreadNode> PostOrder(List<ThreadNode> roots)
    {
        var order = new List<ThreadNode>();
        var work = new Stack<ThreadNode>(roots);
        while (work.Count > 0)
        {
            var node = work.Pop();
            order.Add(node);
            foreach (var child in node.Children)
            {
                work.Push(child);
            }
        }

        order.Reverse();
        return order;
    }
}

/// <summary>A container of the threading algorithms: a message (null for one only referred to) and its children.</summary>
public sealed class ThreadNode(SortableMessage? message)
{
    public SortableMessage? Message { get; set; } = message;

    public ThreadNode? Parent { get; set; }

    public List<ThreadNode> Children { get; } = [];

    public void Adopt(ThreadNode child)
    {
        child.Parent?.Release(child);
        child.Parent = this;
        Children.Add(child);
    }

    public void Release(ThreadNode child)
    {
        Children.Remove(child);
        child.Parent = null;
    }
}
