import type { Metadata } from "next";
import type { ReactNode } from "react";
import { THEME_SCRIPT } from "@/lib/theme";
import { Providers } from "./providers";
import "./globals.css";

export const metadata: Metadata = {
  title: { default: "Anumate Event Bus", template: "%s · Anumate Event Bus" },
  description: "CloudEvents on NATS JetStream: publish, deliver, replay, recover.",
};

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    // the theme script sets the `dark` class before the first paint, so React must accept it
    <html lang="en" suppressHydrationWarning>
      <head>
        {/* biome-ignore lint/security/noDangerouslySetInnerHtml: a constant script (lib/theme.ts), no user input */}
        <script dangerouslySetInnerHTML={{ __html: THEME_SCRIPT }} />
      </head>
      <body className="min-h-screen bg-slate-50 text-slate-900 antialiased dark:bg-slate-950 dark:text-slate-100">
        <Providers>{children}</Providers>
      </body>
    </html>
  );
}
