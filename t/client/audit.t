# The audits of pnpm 10 (the legacy quick audit, whose report it needs
# whole), Yarn 4 (yarn npm audit: the bulk endpoint, plain JSON) and Bun 1
# (bun audit: the bulk endpoint, gzip'd), each run anonymously in a
# project installed from the registry: each says it found nothing, exits
# 0, and made the request the registry answered 200.
use strict;
use warnings;
use Apache::Test qw(-withtestmore);
use JSON::PP ();
use TsciTest qw(base_url adduser unique client_bin need_client client_not_prefork client_env
                run_client logged write_file publish_pair url_path);

Apache::Test::plan(tests => 20, Apache::Test::need(
    need_client('pnpm') && need_client('yarn') && need_client('bun'),
    client_not_prefork('pnpm, Yarn and Bun')));

my $npm = base_url('/npm/');
my $path = url_path($npm);
(my $host = $npm) =~ s{^http://([^:/]+).*}{$1};
my $token = adduser($npm, unique('clientaudit'), 'client-audit-1');
my ($dep, $scoped) = publish_pair($npm, $token, 'au');
my $bulk = "$path-/npm/v1/security/advisories/bulk";
my $quick = "$path-/npm/v1/security/audits/quick";
my $full = "$path-/npm/v1/security/audits";

# A project depending on both packages, with these config files.
sub project {
    my ($tag, %files) = @_;
    my $env = client_env("audit-$tag");
    write_file("$env->{dir}/package.json", qq({"name": "app", "version": "1.0.0", )
        . qq("private": true, "dependencies": {"$dep": "^1.0.0", "$scoped": "^1.0.0"}}\n));
    write_file("$env->{dir}/$_", $files{$_}) for keys %files;
    return $env;
}

# How many times each of these was answered 200 to nobody ("-").
sub counts {
    return map { logged(POST => $_, 200, '-') } @_;
}

# ---- pnpm: the quick audit ----
my $pnpm = client_bin('pnpm');
my $env = project('pnpm', '.npmrc' => "registry=$npm\n");
write_file("$env->{home}/.npmrc", "update-notifier=false\n");
my ($rc, $out) = run_client($env, $pnpm, 'install', '--no-frozen-lockfile');
is $rc, 0, 'pnpm install' or diag $out;
my @before = counts($quick, $full);
($rc, $out) = run_client($env, $pnpm, 'audit');
is $rc, 0, 'pnpm audit exits 0' or diag $out;
like $out, qr/^No known vulnerabilities found$/m,
     'pnpm: No known vulnerabilities found';
my @after = counts($quick, $full);
is $after[0] - $before[0], 1, 'pnpm asked the quick audit, 200';
is $after[1] - $before[1], 0, 'and needed no fallback';
($rc, $out) = run_client($env, $pnpm, 'audit', '--json');
my $report = eval { JSON::PP->new->decode($out) };
is $report && $report->{metadata}{dependencies}, 2,
   'pnpm audit --json: the two packages counted' or diag $out;
is $report && $report->{metadata}{totalDependencies}, 2, 'in all';
is_deeply $report && $report->{advisories}, {}, 'no advisories';

# ---- Yarn: yarn npm audit, plain JSON to the bulk endpoint ----
my $yarn = client_bin('yarn');
$env = project('yarn', '.yarnrc.yml' => qq(npmRegistryServer: "$npm"\n)
    . qq(unsafeHttpWhitelist: ["$host"]\nnpmMinimalAgeGate: 0\n)
    . qq(enableTelemetry: false\nnodeLinker: node-modules\n));
($rc, $out) = run_client($env, $yarn, 'install', '--no-immutable');
is $rc, 0, 'yarn install' or diag $out;
(@before) = counts($bulk);
($rc, $out) = run_client($env, $yarn, 'npm', 'audit');
is $rc, 0, 'yarn npm audit exits 0' or diag $out;
like $out, qr/YN0001: No audit suggestions/, 'Yarn: No audit suggestions';
($rc, $out) = run_client($env, $yarn, 'npm', 'audit', '--all', '--recursive');
is $rc, 0, 'yarn npm audit --all --recursive exits 0' or diag $out;
like $out, qr/YN0001: No audit suggestions/, 'Yarn: No audit suggestions';
is((counts($bulk))[0] - $before[0], 2, 'Yarn asked the bulk endpoint twice, 200');

# ---- Bun: bun audit, gzip'd, to the bulk endpoint ----
my $bun = client_bin('bun');
$env = project('bun', 'bunfig.toml' => qq([install]\nregistry = "$npm"\n));
($rc, $out) = run_client($env, $bun, 'install');
is $rc, 0, 'bun install' or diag $out;
(@before) = counts($bulk);
($rc, $out) = run_client($env, $bun, 'audit');
is $rc, 0, 'bun audit exits 0' or diag $out;
like $out, qr/No vulnerabilities found \(checked 2 packages\)/,
     'Bun: No vulnerabilities found, 2 packages checked';
is((counts($bulk))[0] - $before[0], 1, 'Bun asked the bulk endpoint, 200');
($rc, $out) = run_client($env, $bun, 'audit', '--json');
is $rc, 0, 'bun audit --json exits 0' or diag $out;
like $out, qr/^\{\}\s*$/, 'and prints the registry\'s answer, {}';
