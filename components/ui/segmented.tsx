/** A choice of one among a few (e.g. a time window): toggle buttons, the chosen one pressed. */
export function Segmented<T extends string>({
  label,
  value,
  options,
  onChange,
}: {
  label: string;
  value: T;
  options: readonly (readonly [T, string])[];
  onChange: (v: T) => void;
}) {
  return (
    <fieldset className="inline-flex rounded-md border border-slate-300 p-0.5 dark:border-slate-700">
      <legend className="sr-only">{label}</legend>
      {options.map(([v, text]) => (
        <button
          key={v}
          type="button"
          aria-pressed={value === v}
          onClick={() => onChange(v)}
          className="rounded px-3 py-1 text-sm aria-pressed:bg-indigo-600 aria-pressed:text-white"
        >
          {text}
        </button>
      ))}
    </fieldset>
  );
}
