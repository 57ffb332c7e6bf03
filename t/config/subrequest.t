# The registry's answers as subrequests, as an administrator's page may
# take them: mod_include fills a page with `<!--#include virtual -->` of a
# 2 MB packument and of the registry's JSON figures, and a client with a
# small receive buffer waits a second before it reads, so that Apache
# must keep much of the output aside after the subrequests have ended.
# The client reads the packument byte for byte as a direct GET gives it,
# three times, and no child dies.  The view cache is off, so that the
# packument's memory is the subrequest's own.  Its Apache is its own, on
# TsciTest::spare_port 3.
use strict;
use warnings;
use Apache::Test qw(-withtestmore have_lwp);
use Test::More;
use IO::Handle ();
use Socket qw(PF_INET SOCK_STREAM SOL_SOCKET SO_RCVBUF inet_aton
              pack_sockaddr_in);
use Time::HiRes qw(sleep);
use TsciTest qw(main_store_independent adduser unique own_apache publish req
                write_file slurp);

my $mods = '/usr/lib/apache2/modules';
Apache::Test::plan(skip_all => 'mod_include is not installed')
    unless -f "$mods/mod_include.so";
Apache::Test::plan(tests => 7, Apache::Test::need(have_lwp,
    main_store_independent('an Apache with mod_include')));

my $port = TsciTest::spare_port(3);
my $docs = TsciTest::t_var() . '/subrequest-docs';
File::Path::rmtree($docs);
File::Path::mkpath($docs);
my $ap = own_apache(name => 'subrequest', port => $port, conf => <<"EOC");
LoadModule include_module $mods/mod_include.so
TsciRegistryViewCache 0
DocumentRoot $docs
<Directory $docs>
    Options +Includes
    <Files "*.shtml">
        SetOutputFilter INCLUDES
    </Files>
</Directory>
EOC
ok $ap->{up}, 'an Apache with mod_include and the registry';

my $user = unique('subreq');
my $tok = adduser($ap->{base}, $user, 'subrequest-pass-1');
my $name = "subreq-big-$$";
my $filler = join '', map { sprintf "%07d ", $_ } 1 .. 250_000;
is publish($ap->{base}, $tok, name => $name, version => '1.0.0',
           extra => { notes => $filler })->code, 201,
   'a package whose packument is 2 MB';
my $doc = req(GET => "$ap->{base}$name")->content;
ok length $doc > 2_000_000, 'read directly: ' . length($doc) . ' bytes';

write_file("$docs/page.shtml", "BEGIN\n<!--#include virtual=\"/npm/$name\" -->"
                               . "\nMIDDLE\n<!--#include virtual=\"/npm/\" -->"
                               . "\nEND\n");
my $figures = req(GET => $ap->{base})->content;

# HTTP/1.0: the body ends with the connection, no chunks to undo.  A
# small receive buffer, so that the server's socket takes little and
# Apache keeps the rest aside while the client waits.
sub slow_get {
    my ($path) = @_;
    socket(my $s, PF_INET, SOCK_STREAM, 0) or return '';
    setsockopt($s, SOL_SOCKET, SO_RCVBUF, 4096);
    connect($s, pack_sockaddr_in($port, inet_aton('127.0.0.1')))
        or return '';
    $s->autoflush(1);
    print $s "GET $path HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
    sleep 1;
    local $/;
    my $all = <$s> // '';
    close $s;
    return $all;
}

my @bodies = map { my ($h, $b) = split /\r\n\r\n/, slow_get('/page.shtml'), 2;
                   $b // '' } 1 .. 3;
my ($head, $rest) = split /\nMIDDLE\n/, $bodies[0], 2;
ok $head eq "BEGIN\n$doc", 'the included packument is the packument, byte '
    . 'for byte, read a second late';
(my $fig = $rest // '') =~ s/\nEND\n\z//;
like $fig, qr/"db_name"/, 'and the figures after it, whole';
ok !grep({ $_ ne $bodies[0] } @bodies[1, 2]),
   'three reads, three times the same bytes';
my $log = slurp($ap->{errlog});
unlike $log, qr/exit signal|AH00052/, 'no child died';
$ap->{stop}->();
