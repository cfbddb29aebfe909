/** The tools a component exports, as the Install preview and the Tools page both show them. */
export function ToolList({ tools }: { tools: readonly { name: string; description: string }[] }) {
  return (
    <div>
      <h3 className="section-title">Tools ({tools.length})</h3>
      {tools.length === 0 ? (
        <p className="muted">This component exports no tools.</p>
      ) : (
        <ul className="tool-list">
          {tools.map((t) => (
            <li key={t.name}>
              <code>{t.name}</code>
              <span className="muted">{t.description}</span>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
